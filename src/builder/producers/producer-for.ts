import type { ImageRecipe } from '../../build-types/build-type.js';
import { EngineImageProducer, type EngineProducerDeps } from './engine-image-producer.js';
import type { ImageProducer } from './image-producer.js';
import { ToolImageProducer } from './tool-image-producer.js';
import type { ToolProducerDeps } from './tool-producer-deps.js';

/** The producer of each way of making an image: the one place that asks which way a build type chose. */
export function producerFor(recipe: ImageRecipe, deps: EngineProducerDeps & ToolProducerDeps): ImageProducer {
  switch (recipe.kind) {
    case 'engine':
      return new EngineImageProducer(recipe, deps);
    case 'tool':
      return new ToolImageProducer(recipe, deps);
    default: {
      const never: never = recipe;
      return never;
    }
  }
}
