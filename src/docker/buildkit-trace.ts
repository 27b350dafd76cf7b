/**
 * Decodes BuildKit's progress trace: the Engine API's build endpoint (with
 * version=2) sends each update as a JSON message with id `moby.buildkit.trace`
 * and a base64 protobuf StatusResponse (proto/buildkit-status.proto) as aux.
 */
import path from 'node:path';
import protobuf from 'protobufjs';
import { packageRoot } from '../paths.js';

export const TRACE_ID = 'moby.buildkit.trace';

export interface TraceVertex {
  digest: string;
  name: string;
  cached: boolean;
  /** Milliseconds since the epoch, when the engine says. */
  started?: number;
  completed?: number;
  error?: string;
}

export interface TraceLog {
  vertex: string;
  /** 1 stdout, 2 stderr. */
  stream: number;
  text: string;
}

export interface TraceStatus {
  vertex: string;
  id: string;
  current: number;
  total: number;
}

export interface TraceWarning {
  vertex: string;
  text: string;
}

export interface Trace {
  vertexes: TraceVertex[];
  statuses: TraceStatus[];
  logs: TraceLog[];
  warnings: TraceWarning[];
}

let statusResponse: protobuf.Type | undefined;

function messageType(): protobuf.Type {
  statusResponse ??= protobuf.loadSync(path.join(packageRoot(), 'proto', 'buildkit-status.proto')).lookupType('moby.buildkit.v1.StatusResponse');
  return statusResponse;
}

interface Timestamp {
  seconds?: number;
  nanos?: number;
}

const millis = (time?: Timestamp): number | undefined => (time ? (time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1e6) : undefined);

/** One trace message's aux (base64) as plain objects. */
export function decodeTrace(aux: string): Trace {
  const type = messageType();
  const raw = type.toObject(type.decode(Buffer.from(aux, 'base64')), { longs: Number, defaults: false, arrays: true }) as {
    vertexes: { digest: string; name?: string; cached?: boolean; started?: Timestamp; completed?: Timestamp; error?: string }[];
    statuses: { ID?: string; vertex: string; current?: number; total?: number }[];
    logs: { vertex: string; stream?: number; msg?: Uint8Array }[];
    warnings: { vertex: string; short?: Uint8Array }[];
  };
  return {
    vertexes: raw.vertexes.map((vertex) => ({
      digest: vertex.digest,
      name: vertex.name ?? '',
      cached: vertex.cached ?? false,
      started: millis(vertex.started),
      completed: millis(vertex.completed),
      error: vertex.error || undefined,
    })),
    statuses: raw.statuses.map((status) => ({ vertex: status.vertex, id: status.ID ?? '', current: status.current ?? 0, total: status.total ?? 0 })),
    logs: raw.logs.map((log) => ({ vertex: log.vertex, stream: log.stream ?? 1, text: Buffer.from(log.msg ?? []).toString('utf8') })),
    warnings: raw.warnings.map((warning) => ({ vertex: warning.vertex, text: Buffer.from(warning.short ?? []).toString('utf8') })),
  };
}
