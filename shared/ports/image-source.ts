import type { LabelledImage } from '../domain/images';

/** Where labelled images are found: the local container engine, or the stack's ECR repositories. */
export interface ImageSource {
  /** For logs: `engine`, `ecr`. */
  readonly name: string;
  /** Every image there with its labels (those without labels too: the caller picks). */
  list(): Promise<LabelledImage[]>;
}
