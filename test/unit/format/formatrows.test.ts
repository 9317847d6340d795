// formatRows: Docker formatter semantics (json, table + tabwriter, \\t and \\n
// escapes, trimmed spaces). Expected outputs were produced by
// `docker context ls --format ...` over the same rows.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TemplateError, formatRows } from "../../../src/cli/format/index.js";
import { displayWidth, tabwrite } from "../../../src/cli/format/tabwriter.js";

const rows = [
  {Current: false,Description: "désc ünïcode",DockerEndpoint: "unix:///a",Error: "",Name: "averyveryverylongname"},
  {Current: false,Description: "short",DockerEndpoint: "tcp://1.2.3.4:2375",Error: "",Name: "ctx2"},
  {Current: true,Description: "Current DOCKER_HOST based configuration",DockerEndpoint: "unix:///var/run/docker.sock",Error: "",Name: "default"},
  {Current: false,Description: "",DockerEndpoint: "unix:///x",Error: "",Name: "oracle"},
];

const headers = { DockerEndpoint: "DOCKER ENDPOINT" };

const dockerOutputs: Array<[format: string, output: string]> = [
  ["table {{.Name}}\t{{.Description}}\t{{.DockerEndpoint}}",
   "NAME                    DESCRIPTION                               DOCKER ENDPOINT\naveryveryverylongname   désc ünïcode                              unix:///a\nctx2                    short                                     tcp://1.2.3.4:2375\ndefault                 Current DOCKER_HOST based configuration   unix:///var/run/docker.sock\noracle                                                            unix:///x"],
  ["table {{.Name}}",
   "NAME\naveryveryverylongname\nctx2\ndefault\noracle"],
  ["table {{.Name}}\t",
   "NAME                    \naveryveryverylongname   \nctx2                    \ndefault                 \noracle                  "],
  ["table {{.Description}}\t{{.Name}}\t{{.Error}}\t{{.DockerEndpoint}}",
   "DESCRIPTION                               NAME                    ERROR     DOCKER ENDPOINT\ndésc ünïcode                              averyveryverylongname             unix:///a\nshort                                     ctx2                              tcp://1.2.3.4:2375\nCurrent DOCKER_HOST based configuration   default                           unix:///var/run/docker.sock\n                                          oracle                            unix:///x"],
  ["table {{upper .Name}}\t{{printf \"%s!\" .Name}}\t{{lower .Name}}\t{{json .Current}}",
   "NAME                    NAME!                    NAME                    CURRENT\nAVERYVERYVERYLONGNAME   averyveryverylongname!   averyveryverylongname   false\nCTX2                    ctx2!                    ctx2                    false\nDEFAULT                 default!                 default                 true\nORACLE                  oracle!                  oracle                  false"], // header: Docker has no CURRENT column title here and stops; berth prints it
  ["table {{.Name}}\\t{{.Description}}",
   "NAME                    DESCRIPTION\naveryveryverylongname   désc ünïcode\nctx2                    short\ndefault                 Current DOCKER_HOST based configuration\noracle                  "],
  ["table {{.Name}}\t{{.Description}}\n{{.DockerEndpoint}}\tx",
   "NAME                          DESCRIPTION\nDOCKER ENDPOINT               x\naveryveryverylongname         désc ünïcode\nunix:///a                     x\nctx2                          short\ntcp://1.2.3.4:2375            x\ndefault                       Current DOCKER_HOST based configuration\nunix:///var/run/docker.sock   x\noracle                        \nunix:///x                     x"],
  ["tablexx {{.Name}}",
   "xx NAME\nxx averyveryverylongname\nxx ctx2\nxx default\nxx oracle"],
  ["{{.Name}}\t{{.Current}}",
   "averyveryverylongname\tfalse\nctx2\tfalse\ndefault\ttrue\noracle\tfalse"],
  ["  {{.Name}}\\t{{.Current}}\\n ",
   "averyveryverylongname\tfalse\n\nctx2\tfalse\n\ndefault\ttrue\n\noracle\tfalse\n"],
  ["json",
   "{\"Current\":false,\"Description\":\"désc ünïcode\",\"DockerEndpoint\":\"unix:///a\",\"Error\":\"\",\"Name\":\"averyveryverylongname\"}\n{\"Current\":false,\"Description\":\"short\",\"DockerEndpoint\":\"tcp://1.2.3.4:2375\",\"Error\":\"\",\"Name\":\"ctx2\"}\n{\"Current\":true,\"Description\":\"Current DOCKER_HOST based configuration\",\"DockerEndpoint\":\"unix:///var/run/docker.sock\",\"Error\":\"\",\"Name\":\"default\"}\n{\"Current\":false,\"Description\":\"\",\"DockerEndpoint\":\"unix:///x\",\"Error\":\"\",\"Name\":\"oracle\"}"],
];

describe("formatRows matches docker context ls --format", () => {
  dockerOutputs.forEach(([format, output], i) => {
    test(`${i}: ${JSON.stringify(format)}`, () => assert.equal(formatRows(format, rows, { headers }), output));
  });
});

describe("formatRows", () => {
  const nets = [
    { ID: "7d86d31b1478", Name: "backend", Driver: "bridge", Scope: "local", IPAM: { Config: [{ Subnet: "10.0.0.0/24" }] }, Labels: { tier: "db" } },
    { ID: "0a1b2c3d4e5f", Name: "bridge", Driver: "bridge", Scope: "local", IPAM: { Config: [] }, Labels: {} },
  ];

  test("plain templates: one line per row, no trailing newline", () => {
    assert.equal(formatRows("{{.Name}}", nets), "backend\nbridge");
    assert.equal(formatRows("{{.Name}}", []), "");
  });

  test("json is {{json .}} per row", () => {
    assert.equal(formatRows("json", [{ b: 1, a: "<x>" }]), '{"b":1,"a":"<x>"}');
    assert.equal(formatRows(" json", [{ a: 1 }]), "json", "only the exact word; otherwise a plain template");
  });

  test("table header titles: options first, then the field name upper-cased", () => {
    const out = formatRows("table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}", nets, { headers: { ID: "NETWORK ID" } });
    assert.equal(
      out,
      [
        "NETWORK ID     NAME      DRIVER    SCOPE",
        "7d86d31b1478   backend   bridge    local",
        "0a1b2c3d4e5f   bridge    bridge    local",
      ].join("\n"),
    );
  });

  test("table with no rows still prints the header", () => {
    assert.equal(formatRows("table {{.Name}}\t{{.Driver}}", []), "NAME      DRIVER");
  });

  test("header of nested fields, functions, index and range bodies", () => {
    const out = formatRows('table {{.IPAM.Config}}\t{{upper .Name}}\t{{index .Labels "tier"}}\t{{range .IPAM.Config}}{{.Subnet}}{{end}}', nets);
    assert.equal(out.split("\n")[0], "CONFIG                      NAME      LABELS       SUBNET");
  });

  test("header rendering errors are ignored, keeping what was written", () => {
    // lt of the header title "COUNT" and a number fails only in the header.
    const out = formatRows("table {{.Name}}\t{{if lt .Count 5}}few{{else}}many{{end}}", [{ Name: "a", Count: 1 }, { Name: "b", Count: 9 }]);
    assert.equal(out, "NAME      \na         few\nb         many");
  });

  test("row errors propagate as TemplateError", () => {
    assert.throws(() => formatRows("table {{.Name.X}}", nets), (e: unknown) => e instanceof TemplateError && e.phase === "exec");
    assert.throws(() => formatRows("{{.Name", nets), (e: unknown) => e instanceof TemplateError && e.phase === "parse");
  });

  test("escapes: literal \\t and \\n become characters, even inside strings", () => {
    assert.equal(formatRows('{{.Name}}\\t{{"x\\ty"}}', nets.slice(0, 1)), "backend\tx\ty");
    assert.throws(() => formatRows('{{"a\\nb"}}', nets), { message: "template: :1: unterminated quoted string" });
  });
});

describe("tabwrite (Docker's tabwriter: minwidth 10, padding 3, display widths)", () => {
  // Outputs from docker's own table writer, fed the same text.
  const cases: Array<[input: string, output: string]> = [
    ["", ""],
    ["a\n", "a\n"],
    ["a\tb\n", "a         b\n"],
    ["abcdefghij\tb\n", "abcdefghij   b\n"],
    ["a\tb\nlonger cell\tc\n", "a             b\nlonger cell   c\n"],
    ["é\tx\n日本語\ty\n", "é         x\n日本語    y\n"],
    ["a\tb\nno tabs\nlonger cell\tc\n", "a         b\nno tabs\nlonger cell   c\n"],
    ["a\tb\tc\nxxxxxxxxxxxx\ty\nz\tw\tv\n", "a              b         c\nxxxxxxxxxxxx   y\nz              w         v\n"],
    ["\t\tx\n", "                    x\n"],
    ["a\tb\t\nc\td\t\n", "a         b         \nc         d         \n"],
    ["a\t\tb\nccccccccccccccccc\t\td\n", "a                             b\nccccccccccccccccc             d\n"],
    ["x\ty\tz\n\t\t\nlong long long\tq\tr\n", "x                y         z\n                           \nlong long long   q         r\n"],

  ];
  cases.forEach(([input, output], i) => test(`${i}: ${JSON.stringify(input)}`, () => assert.equal(tabwrite(input), output)));

  test("display width: wide, combining, zero-width and clustered characters", () => {
    const widths: Array<[string, number]> = [
      ["abc", 3], ["é", 1], ["e\u0301", 1], ["日本", 4], ["한", 2], ["ｱ", 1], ["Ａ", 2], ["😀", 2], ["👍🏽", 2], ["🇩🇪", 1],
      ["①", 1], ["\u200b", 0], ["\u00ad", 0], ["\u2060", 1], ["\u3000", 2], ["\u0903", 0], ["👨‍👩‍👧", 2], ["\u0007", 0],
    ];
    for (const [s, w] of widths) assert.equal(displayWidth(s), w, JSON.stringify(s));
  });
});
