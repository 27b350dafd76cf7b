/**
 * Runs an image build through the Engine API and turns its JSON message
 * stream into terminal progress, an image id, or a failure with the tail of
 * the failing step's output.
 */
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { RuntimeFailure } from '../errors.js';

export interface BuildRequest {
  context: Readable;
  tag: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** Where progress lines go; nothing is printed when absent. */
  progress?: (line: string) => void;
  /** Build every step again (benchmarks of cold builds). */
  noCache?: boolean;
}

export interface BuildResult {
  imageId: string;
  /** Steps whose layer came from the cache, e.g. "Step 5/12 : COPY ...". */
  cachedSteps: string[];
  steps: string[];
}

interface BuildMessage {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

const TAIL_LINES = 40;

export async function buildImage(docker: Docker, request: BuildRequest): Promise<BuildResult> {
  const response = await docker.buildImage(request.context, {
    t: request.tag,
    buildargs: request.buildArgs,
    labels: request.labels,
    rm: true,
    forcerm: true,
    nocache: request.noCache ?? false,
  });
  const tail: string[] = [];
  const steps: string[] = [];
  const cachedSteps: string[] = [];
  let imageId = '';
  let failure: string | undefined;
  let pending = '';

  const onLine = (line: string): void => {
    if (line.startsWith('Step ')) {
      steps.push(line);
      tail.length = 0;
    } else if (line.includes('---> Using cache') && steps.length) {
      cachedSteps.push(steps[steps.length - 1]);
    }
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    request.progress?.(line);
  };

  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      response,
      (error: Error | null) => (error ? reject(error) : resolve()),
      (message: BuildMessage) => {
        if (message.stream) {
          const lines = (pending + message.stream).split('\n');
          pending = lines.pop() ?? '';
          lines.forEach(onLine);
        }
        if (message.aux?.ID) imageId = message.aux.ID;
        if (message.error) failure = message.errorDetail?.message ?? message.error;
      },
    );
  });
  if (pending) onLine(pending);

  if (failure) {
    const step = steps[steps.length - 1] ?? 'the build';
    // The tail was already on the terminal when progress was streamed.
    const detail = request.progress ? undefined : tail.join('\n');
    // A build script that knows what went wrong says so in one `mwe-image: ...` line: lead with it.
    const reported = tail.map((line) => line.replace(/\x1b\[[0-9;]*m/g, '')).filter((line) => line.startsWith('mwe-image: ')).pop();
    const reason = reported ? `${reported.slice('mwe-image: '.length)} (${failure.trim()})` : failure.trim();
    throw new RuntimeFailure(`image build failed at ${step.replace(/^Step \S+ : /, '')}: ${reason}`, detail);
  }
  if (!imageId) {
    const image = await docker.getImage(request.tag).inspect();
    imageId = image.Id;
  }
  return { imageId, cachedSteps, steps };
}
