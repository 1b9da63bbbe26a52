/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { PoolView } from '../api/views/pool';
import type { SessionView } from '../api/views/session';
import type { SignedIn } from './api-client';
import { Layout } from './pages';
import { PoolTable, SessionList } from './session-cards';
import type { UsageReply } from '../api/views/usage';
import { UsageTable } from './usage';

/** The admins' page: every live session with stop, the totals per user, and the warm pools. */
export function AdminPage(props: {
  me: SignedIn;
  cards: { session: SessionView; own: boolean }[];
  pools: PoolView[];
  usage: UsageReply | undefined;
  now: number;
}) {
  const totals = new Map<string, { sessions: number; cpu: number; memory: number }>();
  for (const { session: s } of props.cards) {
    const t = totals.get(s.owner) ?? { sessions: 0, cpu: 0, memory: 0 };
    totals.set(s.owner, {
      sessions: t.sessions + 1,
      cpu: t.cpu + s.resources.cpu,
      memory: t.memory + s.resources.memory,
    });
  }
  return (
    <Layout title="Admin" principal={props.me.principal} csrf={props.me.csrf}>
      <h1>Every live session</h1>
      <section id="sessions" data-admin="true">
        <SessionList sessions={props.cards} admin now={props.now} />
      </section>
      <table>
        <caption>Per user</caption>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Sessions</th>
            <th scope="col">vCPUs</th>
            <th scope="col">Memory (MiB)</th>
          </tr>
        </thead>
        <tbody>
          {[...totals].map(([user, t]) => (
            <tr>
              <td>{user}</td>
              <td>{t.sessions}</td>
              <td>{t.cpu}</td>
              <td>{t.memory}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {/* Wide tables scroll within their box on a narrow screen, never the page. */}
      <div class="scroll">
        <UsageTable usage={props.usage} />
      </div>
      <div class="scroll">
        <PoolTable pools={props.pools} />
      </div>
    </Layout>
  );
}
