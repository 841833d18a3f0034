// Loads the CRI v1 service definitions from the .proto text embedded in gen/api-proto.ts,
// so the same code works from source (tsx) and from the esbuild bundle, which carries no
// .proto file. Parsed once per process (about 10 ms), on first use.
import { fromJSON } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { apiProto } from './gen/api-proto.js';
import type { ImageServiceDefinition } from './gen/runtime/v1/ImageService.js';
import type { RuntimeServiceDefinition } from './gen/runtime/v1/RuntimeService.js';
import { loaderOptions } from './proto/options.js';

export interface CriDefinitions {
  RuntimeService: RuntimeServiceDefinition;
  ImageService: ImageServiceDefinition;
}

let cached: CriDefinitions | undefined;

/** The two services, with (de)serializers that follow proto/options.ts.
 *  Throws only if the embedded proto does not parse (a build defect). */
export function criDefinitions(): CriDefinitions {
  if (cached) return cached;
  // Without long.js protobufjs decodes int64 into Numbers before converting them to
  // strings, silently rounding nanosecond timestamps; refuse to run like that.
  if (!protobuf.util.Long) throw new Error('protobufjs has no Long support: int64 values would lose precision');
  const parsed = protobuf.parse(apiProto, { keepCase: loaderOptions.keepCase });
  const pkg = fromJSON(parsed.root.toJSON(), loaderOptions);
  // The generated interfaces describe exactly these objects; proto-loader types them loosely.
  cached = {
    RuntimeService: pkg['runtime.v1.RuntimeService'] as unknown as RuntimeServiceDefinition,
    ImageService: pkg['runtime.v1.ImageService'] as unknown as ImageServiceDefinition,
  };
  return cached;
}
