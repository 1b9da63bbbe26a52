/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Principal } from '../../shared/domain/principal';
import type { AppView } from '../api/views/app';
import type { LinkSettings } from './app-link';
import { Layout } from './pages';

/**
 * What a link to `/apps/<app>/` will start, for a person to confirm (#38): the app, the settings the link carries
 * (each param with its description, the profile), what the app will be handed, and the API's own objections to any
 * of it; nothing starts until the button here is pressed (its form carries the CSRF token).
 */
export function ConfirmLaunch(props: {
  app: AppView;
  settings: LinkSettings;
  action: string;
  fromElsewhere: boolean;
  principal: Principal;
  csrf: string;
}) {
  const { app, settings } = props;
  const title = app.title ?? app.name;
  const handed = [
    settings.forward.path,
    settings.forward.query.length ? `?${new URLSearchParams(settings.forward.query).toString()}` : '',
  ].join('');
  return (
    <Layout title={title} principal={props.principal} csrf={props.csrf}>
      <h1>{`Start ${title}?`}</h1>
      <p>
        {props.fromElsewhere ? 'A page on another site sent you here. ' : ''}
        {`Starting a ${title} session uses your quota.`}
      </p>
      <SettingsList app={app} settings={settings} />
      {handed ? (
        <p class="meta">
          The app will open at <code>{handed}</code>.
        </p>
      ) : null}
      {settings.problems.length ? (
        <>
          <ul class="problems" role="alert">
            {settings.problems.map((p) => (
              <li>{p}</li>
            ))}
          </ul>
          <p>
            <a href="/">Back to my sessions</a>
          </p>
        </>
      ) : (
        <form method="post" action={props.action}>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <button type="submit">{`Start ${title}`}</button> <a href="/">Back to my sessions</a>
        </form>
      )}
    </Layout>
  );
}

/** Each param the link sets (with what it means), and its size. */
function SettingsList(props: { app: AppView; settings: LinkSettings }) {
  const { app, settings } = props;
  if (!Object.keys(settings.params).length && !settings.profile) return null;
  return (
    <dl class="settings">
      {Object.entries(settings.params).map(([k, v]) => (
        <>
          <dt>{app.params[k]?.description ? `${k} (${app.params[k]!.description})` : k}</dt>
          <dd>
            <code>{v}</code>
          </dd>
        </>
      ))}
      {settings.profile ? (
        <>
          <dt>Size</dt>
          <dd>{app.profiles?.find((p) => p.name === settings.profile)?.title ?? settings.profile}</dd>
        </>
      ) : null}
    </dl>
  );
}
