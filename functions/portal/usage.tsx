/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { UsageReply } from '../api/views/usage';

/** Cents, and a fraction of a cent where the whole is less (a short session costs that little). */
const money = (n: number) =>
  n > 0 && n < 0.0001 ? '<$0.0001' : n > 0 && n < 0.01 ? `$${n.toPrecision(2)}` : `$${n.toFixed(2)}`;
/** Tenths of an hour, and two significant digits under one (rows of 0.0 that total 0.1 said nothing). */
const hours = (n: number) => (n === 0 ? '0' : n < 0.0001 ? '<0.0001' : n < 1 ? n.toPrecision(2) : n.toFixed(1));

/** A user's use this month so far (GET /usage): sessions, vCPU-, GB- and GPU-hours, and the estimate. */
export function UsageSummary(props: { usage: UsageReply | undefined }) {
  const u = props.usage;
  if (!u) return null;
  const t = u.totals;
  return (
    <section class="card usage" aria-labelledby="usage-title">
      <h2 id="usage-title">This month</h2>
      <p>
        {t.sessions} {t.sessions === 1 ? 'session' : 'sessions'} · {hours(t.vcpuHours)} vCPU-hours · {hours(t.gbHours)}{' '}
        GB-hours
        {t.gpuHours ? ` · ${hours(t.gpuHours)} GPU-hours` : ''} · about {money(t.cost)}
      </p>
      <p class="meta">Prices: {u.prices.source}.</p>
    </section>
  );
}

/** The admins' per-user totals this month. */
export function UsageTable(props: { usage: UsageReply | undefined }) {
  const u = props.usage;
  if (!u) return null;
  return (
    <table>
      <caption>Usage this month, per user (prices: {u.prices.source})</caption>
      <thead>
        <tr>
          <th scope="col">User</th>
          <th scope="col">Sessions</th>
          <th scope="col">vCPU-hours</th>
          <th scope="col">GB-hours</th>
          <th scope="col">GPU-hours</th>
          <th scope="col">Estimate</th>
        </tr>
      </thead>
      <tbody>
        {u.rows.map((r) => (
          <tr>
            <td>{r.name}</td>
            <td>{r.sessions}</td>
            <td>{hours(r.vcpuHours)}</td>
            <td>{hours(r.gbHours)}</td>
            <td>{hours(r.gpuHours)}</td>
            <td>{money(r.cost)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">All</th>
          <td>{u.totals.sessions}</td>
          <td>{hours(u.totals.vcpuHours)}</td>
          <td>{hours(u.totals.gbHours)}</td>
          <td>{hours(u.totals.gpuHours)}</td>
          <td>{money(u.totals.cost)}</td>
        </tr>
      </tfoot>
    </table>
  );
}
