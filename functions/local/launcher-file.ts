import type { LocalConfig } from '../../shared/config/env';
import { launcherServerSettings } from '../../shared/config/wslink-launcher-file';

/**
 * A wslink launcher file as the apps file also says how its server runs: its `content` as the pages, its
 * `resources` port range, its `endpoint` and `log_dir`. The environment, where it says so, wins.
 */
export function withLauncherFile(config: LocalConfig): LocalConfig {
  const launcher = launcherServerSettings(config.appsFile);
  return {
    ...config,
    launcher,
    ...(launcher.content && !config.givenByEnv.www ? { www: launcher.content } : {}),
    ...(launcher.portRange && !config.givenByEnv.portRange ? { portRange: launcher.portRange } : {}),
  };
}
