import type { Principal } from '../../shared/domain/principal';
import type { UrlSettings } from '../../shared/domain/urls';
import type { ServiceDeps } from '../../shared/services/deps';

/** Everything the HTTP app needs, built by each entry (local server, Lambda). */
export interface ApiDeps extends ServiceDeps {
  urls: UrlSettings;
  /** The caller of a request, or undefined when it carries no valid credential. */
  authenticate(request: Request): Promise<Principal | undefined>;
  maxBodyBytes: number;
}

export interface ApiEnv {
  Variables: { principal: Principal };
}
