// Parse tree for templates, shaped like text/template/parse. `pos` is the
// offset used for error locations; String forms match Go's, since execution
// errors quote the node they happened at.

import { goQuote } from './lexer.js';

export interface FieldNode { kind: 'field'; pos: number; ident: string[] }
export interface VariableNode { kind: 'variable'; pos: number; ident: string[] }
export interface DotNode { kind: 'dot'; pos: number }
export interface NilNode { kind: 'nil'; pos: number }
export interface BoolNode { kind: 'bool'; pos: number; value: boolean }
export interface NumberNode { kind: 'number'; pos: number; value: number | bigint; text: string }
export interface StringNode { kind: 'string'; pos: number; value: string; quoted: string }
export interface IdentifierNode { kind: 'identifier'; pos: number; name: string }
export interface ChainNode { kind: 'chain'; pos: number; node: ArgNode; field: string[] }
export interface PipeNode { kind: 'pipe'; pos: number; line: number; isAssign: boolean; decl: VariableNode[]; cmds: CommandNode[] }
export interface CommandNode { kind: 'command'; pos: number; args: ArgNode[] }

export type ArgNode = FieldNode | VariableNode | DotNode | NilNode | BoolNode | NumberNode | StringNode | IdentifierNode | ChainNode | PipeNode;

export interface TextNode { kind: 'text'; pos: number; text: string }
export interface ActionNode { kind: 'action'; pos: number; pipe: PipeNode }
export interface BranchNode { kind: 'if' | 'with' | 'range'; pos: number; pipe: PipeNode; list: ListNode; elseList: ListNode | null }
export interface BreakNode { kind: 'break' | 'continue'; pos: number }
export interface ListNode { kind: 'list'; pos: number; nodes: Node[] }

export type Node = TextNode | ActionNode | BranchNode | BreakNode | ListNode;
export type AnyNode = Node | ArgNode | CommandNode;

export function nodeString(n: AnyNode): string {
  switch (n.kind) {
    case 'field':
      return n.ident.map((f) => '.' + f).join('');
    case 'variable':
      return n.ident.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(n.value);
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
    case 'identifier':
      return n.name;
    case 'chain':
      return (n.node.kind === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node)) + n.field.map((f) => '.' + f).join('');
    case 'pipe': {
      const decl = n.decl.length > 0 ? n.decl.map(nodeString).join(', ') + (n.isAssign ? ' = ' : ' := ') : '';
      return decl + n.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return n.args.map((a) => (a.kind === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'text':
      return goQuote(n.text);
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'if':
    case 'with':
    case 'range': {
      const els = n.elseList ? `{{else}}${nodeString(n.elseList)}` : '';
      return `{{${n.kind} ${nodeString(n.pipe)}}}${nodeString(n.list)}${els}{{end}}`;
    }
    case 'break':
    case 'continue':
      return `{{${n.kind}}}`;
    case 'list':
      return n.nodes.map(nodeString).join('');
  }
}
