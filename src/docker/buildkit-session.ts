/**
 * A BuildKit session over the Engine API: POST /session upgraded to HTTP/2,
 * on which this process is the gRPC server the engine calls back. It serves
 * build secrets (`RUN --mount=type=secret,id=NAME`) from memory: their values
 * reach the step's process as a tmpfs file and never a layer, the build
 * cache, an image's history or the engine's logs.
 */
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import type Docker from 'dockerode';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { packageRoot } from '../paths.js';

export interface BuildSession {
  id: string;
  close(): void;
}

const SECRETS_METHOD = '/moby.buildkit.secrets.v1.Secrets/GetSecret';
const HEALTH_METHOD = '/grpc.health.v1.Health/Check';

type Handler = (request: Record<string, unknown>) => { reply?: object; error?: grpc.ServiceError | Partial<grpc.StatusObject> };

/** One unary method: its messages (from a proto file) encoded with protobufjs, its handler. */
function unaryMethod(
  protoFile: string,
  method: string,
  requestType: string,
  responseType: string,
  handler: Handler,
): [grpc.ServiceDefinition, grpc.UntypedServiceImplementation] {
  const root = protobuf.loadSync(path.join(packageRoot(), 'proto', protoFile));
  const request = root.lookupType(requestType);
  const response = root.lookupType(responseType);
  const name = method.slice(method.lastIndexOf('/') + 1);
  const definition: grpc.ServiceDefinition = {
    [name]: {
      path: method,
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: object) => Buffer.from(request.encode(request.fromObject(value)).finish()),
      requestDeserialize: (bytes: Buffer) => request.toObject(request.decode(bytes)),
      responseSerialize: (value: object) => Buffer.from(response.encode(response.fromObject(value)).finish()),
      responseDeserialize: (bytes: Buffer) => response.toObject(response.decode(bytes)),
    },
  };
  const implementation: grpc.UntypedServiceImplementation = {
    [name]: (call: grpc.ServerUnaryCall<Record<string, unknown>, object>, callback: grpc.sendUnaryData<object>) => {
      const { reply, error } = handler(call.request);
      if (error) callback(error);
      else callback(null, reply);
    },
  };
  return [definition, implementation];
}

function secretsService(secrets: ReadonlyMap<string, Buffer>) {
  return unaryMethod(
    'buildkit-secrets.proto',
    SECRETS_METHOD,
    'moby.buildkit.secrets.v1.GetSecretRequest',
    'moby.buildkit.secrets.v1.GetSecretResponse',
    (request) => {
      const value = secrets.get(String(request.ID ?? ''));
      return value ? { reply: { data: value } } : { error: { code: grpc.status.NOT_FOUND, details: `secret ${request.ID} not found` } };
    },
  );
}

/** The engine checks a session's health every second and drops it at the first failure. */
function healthService() {
  return unaryMethod('grpc-health.proto', HEALTH_METHOD, 'grpc.health.v1.HealthCheckRequest', 'grpc.health.v1.HealthCheckResponse', () => ({
    reply: { status: 1 },
  }));
}

/** Opens a session serving `secrets` (by id); pass its id as the build's `session` parameter. */
export async function openSession(docker: Docker, secrets: ReadonlyMap<string, Buffer>): Promise<BuildSession> {
  const id = randomUUID();
  const socket = await new Promise<Duplex>((resolve, reject) => {
    docker.modem.dial(
      {
        method: 'POST',
        path: '/session',
        hijack: true,
        headers: {
          Upgrade: 'h2c',
          'X-Docker-Expose-Session-Uuid': id,
          'X-Docker-Expose-Session-Name': 'mwe-image',
          'X-Docker-Expose-Session-Sharedkey': '',
          'X-Docker-Expose-Session-Grpc-Method': [SECRETS_METHOD, HEALTH_METHOD],
        },
        statusCodes: { 101: true, 200: true, 400: 'bad request', 404: 'no session endpoint', 500: 'server error' },
      } as never,
      (error: Error | null, stream: unknown) => (error ? reject(error) : resolve(stream as Duplex)),
    );
  });
  const server = new grpc.Server();
  server.addService(...secretsService(secrets));
  server.addService(...healthService());
  server.createConnectionInjector(grpc.ServerCredentials.createInsecure()).injectConnection(socket);
  return {
    id,
    close: () => {
      server.forceShutdown();
      socket.destroy();
    },
  };
}
