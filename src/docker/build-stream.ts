/**
 * Runs an image build through the Engine API, with BuildKit (version=2, a
 * session serving build secrets, the progress trace decoded from protobuf)
 * or the legacy builder where BuildKit is unavailable, and turns either
 * stream into the same steps for the progress display, an image id, or a
 * failure with the failing step's last lines.
 */
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { RuntimeFailure } from '../errors.js';
import { openSession } from './buildkit-session.js';
import { decodeTrace, TRACE_ID } from './buildkit-trace.js';
import { PlainRenderer, QuietRenderer, TtyRenderer, type ProgressMode, type ProgressRenderer } from './progress.js';

export type Builder = 'buildkit' | 'legacy';

export interface BuildRequest {
  context: Readable;
  tag: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** Where progress lines go; nothing is printed when absent. */
  progress?: (line: string) => void;
  /** How steps are shown (plain when absent); tty writes to stderr. */
  display?: ProgressMode;
  /** Build every step again (benchmarks of cold builds). */
  noCache?: boolean;
  /** Which builder; chooseBuilder's answer when absent. The context's Dockerfile must suit it. */
  builder?: Builder;
  /** Network of the RUN steps: the engine's default bridge, or the host's. */
  network?: 'default' | 'host';
  /** BuildKit secrets by id (`RUN --mount=type=secret,id=ID`), served from memory. */
  secrets?: ReadonlyMap<string, Buffer>;
}

export interface BuildResult {
  imageId: string;
  /** Steps whose result came from the cache, e.g. "[stage-2 5/12] COPY ...". */
  cachedSteps: string[];
  steps: string[];
  builder: Builder;
}

export interface BuildMessage {
  id?: string;
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string } | string;
}

const TAIL_LINES = 40;

const decisions = new WeakMap<Docker, Promise<Builder>>();

/**
 * BuildKit unless DOCKER_BUILDKIT turns it off or the engine has none (not
 * Linux, API older than 1.39); the legacy builder is announced in one line.
 */
export function chooseBuilder(docker: Docker, notice?: (line: string) => void): Promise<Builder> {
  let decision = decisions.get(docker);
  if (!decision) {
    decision = decideBuilder(docker, notice);
    decisions.set(docker, decision);
  }
  return decision;
}

async function decideBuilder(docker: Docker, notice?: (line: string) => void): Promise<Builder> {
  const setting = process.env.DOCKER_BUILDKIT;
  if (setting !== undefined && /^(0|false|no|off)$/i.test(setting.trim())) {
    notice?.(`Notice: DOCKER_BUILDKIT=${setting}: building with the legacy builder (no parallel stages, cache mounts or build secrets)`);
    return 'legacy';
  }
  const version = await docker.version();
  const api = Number(version.ApiVersion);
  if (version.Os !== 'linux' || !(api >= 1.39)) {
    notice?.(
      `Notice: the engine (${version.Version}, ${version.Os}, API ${version.ApiVersion}) has no BuildKit: building with the legacy builder (no parallel stages, cache mounts or build secrets)`,
    );
    return 'legacy';
  }
  return 'buildkit';
}

/** Flags of a Dockerfile's RUN that only BuildKit reads (`--mount=...`). */
const MOUNT_FLAG = /(^RUN\s+(?:--\S+\s+)*?)--mount=\S+\s+/m;

/**
 * A Dockerfile for `builder`: the legacy builder gets its RUN lines without
 * `--mount` flags (the steps work without their cache mounts), except the
 * mounts `keep` names (its build then needs BuildKit).
 */
export function dockerfileFor(builder: Builder, dockerfile: string, keep: (mount: string) => boolean = () => false): string {
  if (builder === 'buildkit') return dockerfile;
  return dockerfile
    .split('\n')
    .map((line) => {
      let result = line;
      let kept = '';
      for (let match = MOUNT_FLAG.exec(result); match; match = MOUNT_FLAG.exec(result)) {
        const flag = result.slice(match[1].length, match.index + match[0].length);
        if (keep(flag.trim())) kept += flag;
        result = result.slice(0, match[1].length) + result.slice(match.index + match[0].length);
      }
      return kept ? result.replace(/^RUN\s+/, `RUN ${kept}`) : result;
    })
    .join('\n');
}

interface Step {
  number: number;
  name: string;
  started?: number;
  ended: boolean;
  cached: boolean;
  error?: string;
  tail: string[];
  pending: string;
}

/** Steps of either builder, fed to a renderer; keeps each step's output tail for a failure report. */
class StepTracker {
  private readonly steps = new Map<string, Step>();
  private count = 0;

  constructor(private readonly renderer: ProgressRenderer) {}

  private step(key: string, name: string): Step {
    let step = this.steps.get(key);
    if (!step) {
      step = { number: 0, name, ended: false, cached: false, tail: [], pending: '' };
      this.steps.set(key, step);
    }
    return step;
  }

  start(key: string, name: string, at = Date.now()): void {
    const step = this.step(key, name);
    if (step.started !== undefined) return;
    step.started = at;
    step.number = ++this.count;
    this.renderer.start(step.number, step.name, at);
  }

  output(key: string, text: string): void {
    const step = this.steps.get(key);
    if (!step) return;
    const lines = (step.pending + text.replace(/\r(?!\n)/g, '\n')).split('\n');
    step.pending = lines.pop() ?? '';
    for (const line of lines) this.line(step, line);
  }

  private line(step: Step, line: string): void {
    step.tail.push(line);
    if (step.tail.length > TAIL_LINES) step.tail.shift();
    this.renderer.log(step.number, line);
  }

  cached(key: string): void {
    const step = this.steps.get(key);
    if (step) step.cached = true;
  }

  finish(key: string, error?: string, at = Date.now()): void {
    const step = this.steps.get(key);
    if (!step || step.ended) return;
    if (step.started === undefined) this.start(key, step.name, at);
    if (step.pending) this.line(step, step.pending);
    step.pending = '';
    step.ended = true;
    step.error = error;
    this.renderer.finish(step.number, { cached: step.cached, error }, at);
  }

  /** Ends every step still running (the legacy builder never says a step ended). */
  finishAll(error?: string): void {
    const open = [...this.steps.entries()].filter(([, step]) => step.started !== undefined && !step.ended);
    for (const [index, [key]] of open.entries()) this.finish(key, index === open.length - 1 ? error : undefined);
  }

  all(): Step[] {
    return [...this.steps.values()].filter((step) => step.started !== undefined).sort((a, b) => a.number - b.number);
  }

  /**
   * The step that failed the build: the one whose error is the build's (steps
   * running beside it in parallel stages end as canceled), else the first
   * error that is not a cancellation.
   */
  failed(failure: string): Step | undefined {
    const failing = this.all().filter((step) => step.error);
    return failing.find((step) => step.error!.trim() === failure.trim()) ?? failing.find((step) => !/context canceled/.test(step.error!)) ?? failing[0];
  }
}

/** Vertexes that are plumbing, not a Dockerfile step: shown only when they fail. */
function hiddenVertex(name: string): boolean {
  return /^\[internal\]|^\[auth\]|^copy \/context \/$|^\[[^\]]+\] FROM /.test(name) || name === '';
}

/**
 * The engine's reason for a failed step, the same from either builder: a
 * command's exit status without the command again (it is the step's name).
 */
function engineReason(message: string): string {
  const status = /^(?:executor failed running \[[\s\S]*\]: exit code: |The command '[\s\S]*' returned a non-zero code: )(\d+)$/.exec(message.trim());
  return status ? `the command returned a non-zero code: ${status[1]}` : message.trim();
}

/** Vertexes shown while they run but not counted as steps (an unchanged rebuild runs no step). */
const UNCOUNTED = /^exporting to image$/;

/** Steps read better without their cache flags and BuildKit's column padding. */
const displayName = (name: string): string =>
  name
    .replace(/--mount=\S+\s+/g, '')
    .replace(/\s+/g, ' ')
    .trim();

function rendererFor(request: BuildRequest): ProgressRenderer {
  if (!request.progress || request.display === 'quiet') return new QuietRenderer();
  if (request.display === 'tty') return new TtyRenderer((text) => process.stderr.write(text));
  return new PlainRenderer(request.progress);
}

/**
 * Follows one build's message stream (either builder's): steps to the
 * renderer, the image id, and at the end the result or the failure with the
 * failing step's last lines.
 */
export class BuildFollower {
  private readonly tracker: StepTracker;
  private readonly onStream: (message: BuildMessage) => void;
  private imageId = '';
  private failure?: string;

  constructor(
    readonly builder: Builder,
    private readonly renderer: ProgressRenderer,
    private readonly started = Date.now(),
  ) {
    this.tracker = new StepTracker(renderer);
    this.onStream = builder === 'buildkit' ? buildkitMessages(this.tracker) : legacyMessages(this.tracker);
  }

  message(message: BuildMessage): void {
    if (message.error) this.failure = message.errorDetail?.message ?? message.error;
    else if (message.aux && typeof message.aux === 'object' && message.aux.ID) this.imageId = message.aux.ID;
    this.onStream(message);
  }

  /** The result (imageId '' when the stream named none), or a RuntimeFailure thrown. */
  finish(now = Date.now()): BuildResult {
    this.tracker.finishAll(this.failure);
    const steps = this.tracker.all().filter((step) => !UNCOUNTED.test(step.name));
    const cached = steps.filter((step) => step.cached && !step.error);
    const elapsed = ((now - this.started) / 1000).toFixed(1);
    if (this.failure) {
      this.renderer.close(`Build failed after ${elapsed}s`);
      const step = this.tracker.failed(this.failure);
      const clean = (step?.tail ?? []).map((line) => line.replace(/\x1b\[[0-9;]*m/g, ''));
      // A build script that knows what went wrong says so in one `mwe-image: ...` line: lead with it.
      const reported = clean.filter((line) => line.startsWith('mwe-image: ')).pop();
      const failure = engineReason(this.failure);
      const reason = reported ? `${reported.slice('mwe-image: '.length)} (${failure})` : failure;
      // The instruction alone: its stage and position are in the progress lines.
      const where = step ? step.name.replace(/^\[[^\]]*\] /, '') : 'the build';
      // The reported line leads the reason; the step's other lines are the detail.
      const detail = clean.filter((line) => line !== reported).join('\n');
      throw new RuntimeFailure(`image build failed at ${where}: ${reason}`, detail.trim() ? detail : undefined);
    }
    this.renderer.close(`Built in ${elapsed}s: ${steps.length - cached.length} steps run, ${cached.length} cached`);
    return { imageId: this.imageId, cachedSteps: cached.map((step) => step.name), steps: steps.map((step) => step.name), builder: this.builder };
  }
}

export async function buildImage(docker: Docker, request: BuildRequest): Promise<BuildResult> {
  const builder = request.builder ?? (await chooseBuilder(docker, request.progress));
  if (builder === 'legacy' && request.secrets?.size) {
    throw new RuntimeFailure(
      'this build needs build secrets, which only BuildKit serves; unset DOCKER_BUILDKIT=0 or use an engine with BuildKit (Docker 18.09 or newer on Linux)',
    );
  }
  const renderer = rendererFor(request);
  const follower = new BuildFollower(builder, renderer);
  const session =
    builder === 'buildkit'
      ? await openSession(docker, request.secrets ?? new Map()).catch((error: Error) => {
          throw new RuntimeFailure(`cannot open a BuildKit session on the engine (${error.message}); set DOCKER_BUILDKIT=0 to build with the legacy builder`);
        })
      : undefined;
  const ticker = setInterval(() => renderer.tick(Date.now()), 1000);
  try {
    const options: Record<string, unknown> = {
      t: request.tag,
      buildargs: request.buildArgs,
      labels: request.labels,
      rm: true,
      forcerm: true,
      nocache: request.noCache ?? false,
      networkmode: request.network ?? 'default',
    };
    if (session) Object.assign(options, { version: '2', session: session.id });
    const response = await new Promise<Readable>((resolve, reject) => {
      docker.modem.dial(
        {
          path: '/build?',
          method: 'POST',
          file: request.context,
          options,
          isStream: true,
          statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
        } as never,
        (error: Error | null, stream: unknown) => (error ? reject(error) : resolve(stream as Readable)),
      );
    });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        response,
        (error: Error | null) => (error ? reject(error) : resolve()),
        (message: BuildMessage) => follower.message(message),
      );
    });
  } finally {
    clearInterval(ticker);
    session?.close();
  }
  const result = follower.finish();
  if (!result.imageId) result.imageId = (await docker.getImage(request.tag).inspect()).Id;
  return result;
}

/** BuildKit: trace messages carry vertexes (steps) and their logs. */
function buildkitMessages(tracker: StepTracker): (message: BuildMessage) => void {
  const hidden = new Set<string>();
  return (message) => {
    if (message.id !== TRACE_ID || typeof message.aux !== 'string') return;
    const trace = decodeTrace(message.aux);
    for (const vertex of trace.vertexes) {
      if (hiddenVertex(vertex.name) && !vertex.error) {
        hidden.add(vertex.digest);
        continue;
      }
      const name = displayName(vertex.name);
      if (vertex.started !== undefined) tracker.start(vertex.digest, name, vertex.started);
      if (vertex.cached) tracker.cached(vertex.digest);
      if (vertex.completed !== undefined || vertex.error) tracker.finish(vertex.digest, vertex.error, vertex.completed);
    }
    for (const log of trace.logs) if (!hidden.has(log.vertex)) tracker.output(log.vertex, log.text);
  };
}

/** Legacy builder: `Step N/M : INSTRUCTION` starts a step, the next one (or the end) finishes it. */
function legacyMessages(tracker: StepTracker): (message: BuildMessage) => void {
  let pending = '';
  let current: string | undefined;
  const onLine = (line: string): void => {
    const step = /^Step (\d+\/\d+) : (.*)$/.exec(line);
    if (step) {
      if (current) tracker.finish(current);
      // ARG and FROM only set the stage up (never "Using cache"): not steps to show or count.
      current = /^(ARG|FROM)\s/i.test(step[2]) ? undefined : step[1];
      if (current) tracker.start(current, `[${step[1]}] ${step[2]}`);
    } else if (current && line.includes('---> Using cache')) {
      tracker.cached(current);
    } else if (current && !/^ ---> |^Removing intermediate container |^Successfully (built|tagged) /.test(line)) {
      tracker.output(current, `${line}\n`);
    }
  };
  return (message) => {
    if (!message.stream) return;
    const lines = (pending + message.stream).split('\n');
    pending = lines.pop() ?? '';
    lines.forEach(onLine);
  };
}
