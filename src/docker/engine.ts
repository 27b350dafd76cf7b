/** The connection to the Docker Engine API. */
import Docker from 'dockerode';
import { RuntimeFailure } from '../errors.js';

export function engineAddress(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/** Connects (honouring DOCKER_HOST) and checks that the engine answers. */
export async function connectEngine(): Promise<Docker> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (error) {
    throw new RuntimeFailure(`cannot reach the Docker engine at ${engineAddress()} (${(error as Error).message}); start dockerd or set DOCKER_HOST`);
  }
  return docker;
}

/** The image's inspect data, or undefined when the engine has no such image. */
export async function findImage(docker: Docker, reference: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(reference).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}
