import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESSIONS_TABLE as T } from '../../config/table';
import type { LabelledImage } from '../../domain/images';
import type { ImageSource } from '../../ports/image-source';

const SNAPSHOT_ID = 'catalog#images';
/** A DynamoDB item holds 400 KB; the snapshot stays well inside it. */
const MAX_BYTES = 350 * 1024;
const ICON_LABEL = 'eu.simphony-project.docker.icon_128';

/**
 * The labelled images of the stack's ECR repository, as one item in the sessions table: the
 * reaper writes it each minute from ECR, and every function reads it (one GetItem per TTL) instead
 * of calling ECR itself, so ECR is read once a minute whatever the traffic and the API bundles
 * carry no ECR client. Past the item's size, icons are left out first (the apps stay).
 */
export class TableImageSnapshot implements ImageSource {
  readonly name = 'ecr-snapshot';

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(): Promise<LabelledImage[]> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { [T.partitionKey]: SNAPSHOT_ID } }),
    );
    return (Item?.images as LabelledImage[] | undefined) ?? [];
  }

  /** Writes what a look at ECR found; returns how many icons had to be left out. */
  async publish(images: readonly LabelledImage[], now: number): Promise<{ iconsDropped: number }> {
    let kept = [...images];
    let iconsDropped = 0;
    const size = () => Buffer.byteLength(JSON.stringify(kept));
    while (size() > MAX_BYTES) {
      const i = kept.findIndex((image) => image.labels[ICON_LABEL]);
      if (i < 0) {
        kept = kept.slice(0, Math.max(0, kept.length - 1));
        continue;
      }
      const { [ICON_LABEL]: _dropped, ...labels } = kept[i]!.labels;
      kept[i] = { ...kept[i]!, labels };
      iconsDropped++;
    }
    await this.db.send(
      new PutCommand({ TableName: this.tableName, Item: { [T.partitionKey]: SNAPSHOT_ID, images: kept, at: now } }),
    );
    return { iconsDropped };
  }
}
