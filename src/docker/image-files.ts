/** Reads files out of an image without starting a container. */
import type Docker from 'dockerode';
import tar from 'tar-stream';

export interface ImageFile {
  /** Path inside the archive, relative to the requested path's parent. */
  name: string;
  content: Buffer;
}

/** Every regular file at or below `imagePath` in the image. */
export async function readImagePath(docker: Docker, image: string, imagePath: string): Promise<ImageFile[]> {
  const container = await docker.createContainer({ Image: image, Cmd: ['true'], Entrypoint: [] });
  try {
    const archive = await container.getArchive({ path: imagePath });
    return await new Promise<ImageFile[]>((resolve, reject) => {
      const files: ImageFile[] = [];
      const extract = tar.extract();
      extract.on('entry', (header, stream, next) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
        stream.on('end', () => {
          if (header.type === 'file') files.push({ name: header.name, content: Buffer.concat(chunks) });
          next();
        });
      });
      extract.on('finish', () => resolve(files));
      extract.on('error', reject);
      archive.pipe(extract);
    });
  } finally {
    await container.remove({ force: true });
  }
}
