import { EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { busyIfThrottled } from '../../aws/aws-busy';

/** The encryption context a session's sealed secret is bound to: KMS decrypts it under exactly this. */
export function sealContext(sessionId: string, app: string): Record<string, string> {
  return { 'sessionplane:session': sessionId, 'sessionplane:app': app };
}

/**
 * Seals a session's secret for its task: KMS-encrypted under the session's encryption context, so
 * the RunTask overrides (which DescribeTasks, every task state change event and CloudTrail show)
 * carry only ciphertext. The task's entrypoint (examples/apps/sessionplane-entry.mjs) decrypts it
 * with its app's task role, whose kms:Decrypt holds only for its own app's context.
 */
export class KmsSecretSealer {
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  async seal(secret: string, sessionId: string, app: string): Promise<string> {
    const { CiphertextBlob } = await busyIfThrottled(
      'KMS Encrypt',
      this.kms.send(
        new EncryptCommand({
          KeyId: this.keyId,
          Plaintext: Buffer.from(secret, 'utf8'),
          EncryptionContext: sealContext(sessionId, app),
        }),
      ),
    );
    return Buffer.from(CiphertextBlob!).toString('base64');
  }
}
