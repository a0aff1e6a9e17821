/**
 * Building a planned training run: TensorFlow.js, the live viewer (--view), the vector env, the
 * agent (from its pretrained modules or its checkpoint) and the evaluation env, and only then the
 * run directory. Each resource puts its clean-up on the stack as soon as it exists, so a failure
 * anywhere (an encoder that does not fit the policy, an env the viewer cannot draw) releases what
 * was built and leaves nothing written.
 */
import { mkdirSync } from 'node:fs';
import { A2C } from '../../../agents/a2c.js';
import type { NetworkInit, OnPolicyAgent, RolloutSource } from '../../../agents/common/OnPolicyAgent.js';
import { policyInfo } from '../../../agents/common/policyInfo.js';
import { DEFAULT_PPO, PPO } from '../../../agents/ppo.js';
import { Reinforce } from '../../../agents/reinforce.js';
import { make } from '../../../envs/registry.js';
import { SyncVectorEnv } from '../../../envs/vector/SyncVectorEnv.js';
import { WorkerVectorEnv } from '../../../envs/vector/WorkerVectorEnv.js';
import { OneHotObservation } from '../../../envs/wrappers/OneHotObservation.js';
import type { Box, Discrete } from '../../core/spaces.js';
import { Broker } from '../../distributed/Broker.js';
import { BrokerRollouts } from '../../distributed/BrokerRollouts.js';
import { RUN_SPEC_FORMAT, type RunSpec } from '../../distributed/trainingRun.js';
import type { Env, VectorEnv } from '../../core/Env.js';
import { type BackendName, initBackend } from '../../nn/backend.js';
import { MetricsWriter } from '../../runs/MetricsWriter.js';
import { type RunFile, writeRunFile } from '../../runs/runFile.js';
import { LiveViewer } from '../../server/LiveViewer.js';
import { relayedEnv } from '../../stream/relayWorker.js';
import { CleanupStack } from './CleanupStack.js';
import { copyPretrained, freezeEncoderLayers, readPretrainedModules } from './pretrainedStart.js';
import type { DistributedPlan, RunPlan } from './resolveRun.js';

/** What a built run trains with; everything in it is released by the clean-up stack it was built on. */
export interface BuiltRun {
  agent: OnPolicyAgent;
  backend: BackendName;
  viewer: LiveViewer | null;
  /** The env the evaluations (val and test) step, or null when the plan has none. */
  evalEnv: Env | null;
  /** The run's metrics.jsonl. */
  metrics: MetricsWriter;
  /** The learner's broker connection and rollout source (`--broker`); null in-process. */
  learner: { broker: Broker; source: BrokerRollouts } | null;
}

export async function setUp(plan: RunPlan, cleanup: CleanupStack): Promise<BuiltRun> {
  const { backend } = await initBackend();
  const viewer = plan.viewPort === null ? null : await LiveViewer.start({ port: plan.viewPort, source: plan.out, task: plan.run.env });
  if (viewer) {
    cleanup.defer(() => viewer.close());
    process.stderr.write(`robonav train: watch at ${viewer.url}\n`);
  }
  const learner = plan.distributed ? await connectLearner(plan, plan.distributed, cleanup) : null;
  const envs = learner ? learner.source : await makeVectorEnv(plan, viewer);
  let agent: OnPolicyAgent | null = null;
  // Once built, the agent owns the envs: closing it closes them.
  cleanup.defer(() => (agent === null ? envs.close() : agent.close()));
  const built = await buildAgent(plan, envs);
  agent = built.agent;
  if (plan.start.kind === 'resume') agent.setState(plan.start.state);
  if (learner) await learner.source.start(agent, plan.start.kind === 'fresh');
  // The viewer's saliency maps use the network in training: its layers model shares the weights.
  if (viewer) viewer.explainWith(agent.network.observationSpace, agent.network.toLayersModel(), policyInfo(agent));
  const evalEnv = plan.validation !== null || plan.testEpisodes > 0 ? make(plan.run.env, plan.run.envOptions ?? {}) : null;
  if (evalEnv) cleanup.defer(() => evalEnv.close());

  // Everything is built: the run directory is written last.
  mkdirSync(plan.out, { recursive: true });
  writeRunFile(plan.out, built.run);
  return { agent, backend, viewer, evalEnv, metrics: new MetricsWriter(plan.out), learner };
}

/**
 * The learner's side of the broker: the connection (closed last) and the rollout source over the
 * run's chunk stream, with the spec actors build their envs and network from. The spaces are the
 * env's, as an in-process run's would be.
 */
async function connectLearner(
  plan: RunPlan,
  distributed: DistributedPlan,
  cleanup: CleanupStack,
): Promise<{ broker: Broker; source: BrokerRollouts }> {
  const { env, envOptions = {} } = plan.run;
  const probe = new SyncVectorEnv(
    OneHotObservation.wrapFactory(() => make(env, envOptions)),
    1,
  );
  const observationSpace = probe.singleObservationSpace;
  const actionSpace = probe.singleActionSpace as Box | Discrete;
  await probe.close();
  const broker = await Broker.connect(distributed.url, { name: 'robonav train' });
  cleanup.defer(() => broker.close());
  const config = { ...DEFAULT_PPO, ...plan.run.config, network: { ...DEFAULT_PPO.network, ...plan.run.config.network } };
  const maxPolicyLag = distributed.run.maxPolicyLag;
  const spec: RunSpec = {
    format: RUN_SPEC_FORMAT,
    run: distributed.run.run,
    env,
    envOptions,
    agent: 'ppo',
    config: { ...config, numEnvs: plan.numEnvs },
    observationSpace: observationSpace.toJSON(),
    actionSpace: actionSpace.toJSON(),
    sync: distributed.run.sync,
    streamMaxLen: Math.max(64, 4 * plan.numEnvs * (maxPolicyLag + 1)),
    maxBacklog: 2 * plan.numEnvs,
  };
  const source = new BrokerRollouts({ broker, spec, observationSpace, actionSpace, maxPolicyLag });
  return { broker, source };
}

async function makeVectorEnv(plan: RunPlan, viewer: LiveViewer | null): Promise<VectorEnv> {
  const { env, envOptions = {} } = plan.run;
  if (plan.workers === 0) {
    return new SyncVectorEnv((i) => (i === 0 && viewer ? viewer.observe(make(env, envOptions)) : make(env, envOptions)), plan.numEnvs);
  }
  // With --view, env 0's worker streams its episodes back (only while a browser watches).
  const venv = await WorkerVectorEnv.create(env, {
    numEnvs: plan.numEnvs,
    numWorkers: plan.workers,
    options: envOptions,
    ...(viewer ? { wrapper: relayedEnv(0, { task: env }) } : {}),
  });
  return viewer ? viewer.observeWorkers(venv) : venv;
}

/**
 * The agent on `envs`, and the run file to write. A fresh run with pretrained modules copies them
 * into the new network (the weights are held only while it is built) and records what it froze
 * and copied; any other run freezes the encoder layers its run file lists (none for a plain run).
 */
async function buildAgent(plan: RunPlan, envs: VectorEnv | RolloutSource): Promise<{ agent: OnPolicyAgent; run: RunFile }> {
  const { run } = plan;
  const start = run.pretrained;
  if (plan.start.kind === 'resume' || start === undefined) {
    return { agent: createAgent(run, envs, (network) => freezeEncoderLayers(network, start?.frozenLayers ?? [])), run };
  }
  return CleanupStack.run(async (modulesCleanup) => {
    const modules = await readPretrainedModules(start, modulesCleanup);
    let pretrained = start;
    const agent = createAgent(run, envs, (network) => {
      pretrained = copyPretrained(network, modules, start);
    });
    return { agent, run: { ...run, pretrained } };
  });
}

function createAgent(run: RunFile, envs: VectorEnv | RolloutSource, init: NetworkInit): OnPolicyAgent {
  switch (run.agent) {
    case 'ppo':
      return new PPO(envs, run.config, init);
    case 'a2c':
      return new A2C(envs, run.config, init);
    case 'reinforce':
      return new Reinforce(envs, run.config, init);
  }
}
