// berth doctor against berthd itself: berthd runs in the namespace it manages, so
// it reads and fixes that namespace; its own rules are restored by the engine.
//   GET  /berth/doctor      the report; changes nothing
//   POST /berth/doctor/fix  applies the fixes, then reports what is left
import { berthExpectations } from '../../doctor/berth-input.js';
import { readConsistent, runDoctor, type DoctorPorts } from '../../doctor/run.js';
import type { Engine } from '../../engine/types.js';
import { kernelDoctorHost, type DoctorHost } from '../../host/doctor-host.js';
import { exec } from '../../host/exec.js';
import { json, type Route } from '../http.js';

/** A sandbox being wired has its veth and namespace before the engine records them. */
const ORPHAN_GRACE_MS = 1000;

function berthdPorts(engine: Engine, host: DoctorHost): DoctorPorts {
  const expect = async () =>
    berthExpectations({
      config: engine.daemonConfig(),
      networks: engine.listNetworks(),
      endpoints: engine.endpoints(),
      containers: engine.listContainers(true),
      desired: engine.desiredRules(),
    });
  return {
    async read() {
      const { snapshot, state } = await readConsistent(() => host.observe(), expect);
      return { snapshot, expected: state };
    },
    async apply(action) {
      if (action.kind === 'restore-rules') await engine.repairRules('berth doctor --fix');
      else await host.apply(action);
    },
  };
}

export function doctorRoutesOver(host: DoctorHost): readonly Route[] {
  return [
    {
      method: 'GET',
      path: '/berth/doctor',
      handler: async ({ engine }) => json(200, await runDoctor(berthdPorts(engine, host), { fix: false })),
    },
    {
      method: 'POST',
      path: '/berth/doctor/fix',
      handler: async ({ engine }) => json(200, await runDoctor(berthdPorts(engine, host), { fix: true, orphanGraceMs: ORPHAN_GRACE_MS })),
    },
  ];
}

export const doctorRoutes = doctorRoutesOver(kernelDoctorHost(exec));
