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

function secretsService(secrets: ReadonlyMap<string, Buffer>): [grpc.ServiceDefinition, grpc.UntypedServiceImplementation] {
  const root = protobuf.loadSync(path.join(packageRoot(), 'proto', 'buildkit-secrets.proto'));
  const request = root.lookupType('moby.buildkit.secrets.v1.GetSecretRequest');
  const response = root.lookupType('moby.buildkit.secrets.v1.GetSecretResponse');
  const definition: grpc.ServiceDefinition = {
    GetSecret: {
      path: SECRETS_METHOD,
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: object) => Buffer.from(request.encode(request.fromObject(value)).finish()),
      requestDeserialize: (bytes: Buffer) => request.toObject(request.decode(bytes)),
      responseSerialize: (value: object) => Buffer.from(response.encode(response.fromObject(value)).finish()),
      responseDeserialize: (bytes: Buffer) => response.toObject(response.decode(bytes)),
    },
  };
  const implementation: grpc.UntypedServiceImplementation = {
    GetSecret: (call: grpc.ServerUnaryCall<{ ID?: string }, { data: Buffer }>, callback: grpc.sendUnaryData<{ data: Buffer }>) => {
      const value = secrets.get(call.request.ID ?? '');
      if (value) callback(null, { data: value });
      else callback({ code: grpc.status.NOT_FOUND, details: `secret ${call.request.ID} not found` });
    },
  };
  return [definition, implementation];
}

/** Opens a session serving `secrets` (by id); pass its id as the build's `session` parameter. */
export async function openSession(docker: Docker, secrets: ReadonlyMap<string, Buffer>): Promise<BuildSession> {
  const id = randomUUID();
  const socket = await new Promise<Duplex>((resolve, reject) => {
    docker.modem.dial({
      method: 'POST',
      path: '/session',
      hijack: true,
      headers: {
        Upgrade: 'h2c',
        'X-Docker-Expose-Session-Uuid': id,
        'X-Docker-Expose-Session-Name': 'mwe-image',
        'X-Docker-Expose-Session-Sharedkey': '',
        'X-Docker-Expose-Session-Grpc-Method': [SECRETS_METHOD],
      },
      statusCodes: { 101: true, 200: true, 400: 'bad request', 404: 'no session endpoint', 500: 'server error' },
    } as never, (error: Error | null, stream: unknown) => (error ? reject(error) : resolve(stream as Duplex)));
  });
  const server = new grpc.Server();
  server.addService(...secretsService(secrets));
  server.createConnectionInjector(grpc.ServerCredentials.createInsecure()).injectConnection(socket);
  return {
    id,
    close: () => {
      server.forceShutdown();
      socket.destroy();
    },
  };
}
