// One tracker issue per incident (GitHub, Gitea): opened on the alert, commented on reminders,
// commented and closed on recovery. Every step is find-or-create by a hidden marker, so a retry
// after a timed-out POST (in this delivery or the next check's) reuses what the server made.

import { codeBlock, escapeMarkdown, truncateBytes } from '../../rules/sinks/escape.ts';
import { readJson, readToken, request, withRetries } from './http.ts';
import type { NetTuning } from './http.ts';
import { SinkError } from '../../rules/sinks/types.ts';
import type { Notification, Sink, SinkContext, SinkMemo } from '../../rules/sinks/types.ts';
import type { SinkConfig } from '../../rules/sinks/validate.ts';

/** What differs between trackers: where the API is, how to authenticate, how lists are queried. */
export interface Forge {
  kind: string;
  label: string;
  /** The repository's API URL, `…/repos/{owner}/{repo}`. */
  repoUrl: string;
  headers(token: string): Record<string, string>;
  /** Query string listing one page of issues (not pull requests) in `state`, updated since `since` when given. */
  issuesQuery(state: 'open' | 'all', since: string | null): string;
  /** Query string listing one page of an issue's comments updated since `since`. */
  commentsQuery(since: string): string;
  /** The `labels` value of a new issue, or undefined for none; `get` reads the API. */
  labels(get: (path: string, action: string) => Promise<unknown>): Promise<unknown[] | undefined>;
}

/** The issue a sink remembers for an incident. */
interface Issue {
  issue: number;
  url: string;
}

/** Lookups reach this far before the time they are about, for clock skew between hb and the tracker. */
const SKEW_MS = 24 * 3600 * 1000;

/** A tracker sink on `forge`; `net` lets tests shorten backoff. */
export function createTrackerSink(config: SinkConfig, ctx: SinkContext, forge: Forge, net: NetTuning = {}): Sink {
  return {
    kind: forge.kind,
    label: forge.label,
    async deliver(n: Notification, memo: SinkMemo | null): Promise<SinkMemo | void> {
      if (n.type === 'run_start' || n.type === 'run_end') return memo ?? undefined;
      const token = readToken(config.options, ctx, forge.label);
      const call = async (path: string, action: string, method = 'GET', body?: unknown, parse = method === 'GET'): Promise<unknown> => {
        const answer = await request(`${forge.repoUrl}${path}`, {
          ...net,
          label: forge.label,
          action,
          method,
          body,
          headers: forge.headers(token),
          timeoutMs: config.timeoutMs,
          retries: 0, // the whole step is retried below, lookup first, never a blind re-POST
          secrets: [token],
        });
        // Garbage from a lookup means a wrong URL and will not mend; garbage from a create may
        // hide a created issue, which the retry's lookup finds.
        return parse ? readJson(answer, `${forge.label}: ${action}`, method !== 'GET') : null;
      };
      const tracker = { forge, call };
      let known = issueOf(memo);
      return withRetries({ ...net, retries: config.retries }, async () => {
        // A late notice belongs to no incident: it joins the job's message thread.
        if ((n.type === 'message' || n.type === 'late') && !known) {
          await postMessage(tracker, n);
          return undefined;
        }
        const opened = known ? null : await ensureIssue(tracker, n);
        known ??= opened!;
        // An escalation that opened the issue (its sink's first word on the incident) is said by the issue itself.
        if (n.type === 'remind' || n.type === 'message' || (n.type === 'escalate' && !opened?.created))
          await ensureComment(tracker, known.issue, n, commentText(n));
        if (n.type === 'resolve') {
          await ensureComment(tracker, known.issue, n, commentText(n));
          await call(`/issues/${known.issue}`, 'close issue', 'PATCH', { state: 'closed' });
        }
        return { ...memo, issue: known.issue, url: known.url };
      });
    },
  };
}

type Tracker = { forge: Forge; call: (path: string, action: string, method?: string, body?: unknown, parse?: boolean) => Promise<unknown> };

/** The incident's issue: found by its marker among recently updated issues (another sink on the same repository may have opened it), else created. */
async function ensureIssue({ forge, call }: Tracker, n: Notification): Promise<Issue & { created?: true }> {
  const marker = mark('incident', n.incident?.id ?? n.id);
  const found = findIssue(await call(`/issues${forge.issuesQuery('all', before(n.incident?.opened_at ?? n.ts))}`, 'list issues'), marker);
  if (found) return found;
  const late =
    n.type === 'alert' || n.type === 'escalate'
      ? ''
      : `\n\n_The alert of this incident was not delivered; hb opened this issue on its ${n.type === 'remind' ? 'reminder' : 'recovery'}._`;
  const body = `${issueBody(n)}${late}\n\n${marker}\n${mark('notification', n.id)}`;
  const title = n.type === 'escalate' ? n.title : `[hb] ${n.job} ${n.incident?.status ?? n.status}`;
  return { ...created(await createIssue({ forge, call }, title, body), forge.label), created: true };
}

/**
 * A message outside an incident goes to the job's open `[hb] <job> message` issue, opened on the
 * first message: one thread a person reads and closes, not one issue per message.
 */
async function postMessage({ forge, call }: Tracker, n: Notification): Promise<void> {
  const marker = mark('messages', n.job);
  const found = findIssue(await call(`/issues${forge.issuesQuery('open', null)}`, 'list issues'), marker);
  // The thread's first message is its body: a retry after a timed-out create finds it there.
  if (found?.body.includes(mark('notification', n.id))) return;
  if (found) return ensureComment({ forge, call }, found.issue, n, commentText(n));
  const body = `${commentText(n)}\n\n_hb collects the messages of job ${escapeMarkdown(n.job)} here; close this issue when read._\n\n${marker}\n${mark('notification', n.id)}`;
  await createIssue({ forge, call }, `[hb] ${n.job} message`, body);
}

async function createIssue({ forge, call }: Tracker, title: string, body: string): Promise<unknown> {
  const labels = await forge.labels((path, action) => call(path, action));
  return call('/issues', 'create issue', 'POST', labels?.length ? { title, body, labels } : { title, body }, true);
}

/** Comments once per notification: a comment carrying its marker already counts. */
async function ensureComment({ forge, call }: Tracker, issue: number, n: Notification, text: string): Promise<void> {
  const marker = mark('notification', n.id);
  const comments = await call(`/issues/${issue}/comments${forge.commentsQuery(before(n.ts) ?? n.ts)}`, 'list comments');
  if (Array.isArray(comments) && comments.some((c) => typeof (c as { body?: unknown })?.body === 'string' && (c as { body: string }).body.includes(marker)))
    return;
  await call(`/issues/${issue}/comments`, n.type === 'resolve' ? 'comment recovery' : 'comment', 'POST', { body: `${text}\n\n${marker}` });
}

/** The first issue (not pull request) in a list answer whose body carries `marker`. */
function findIssue(list: unknown, marker: string): (Issue & { body: string }) | null {
  if (!Array.isArray(list)) return null;
  for (const item of list as Array<Record<string, unknown> | null>) {
    if (!item || item.pull_request || typeof item.body !== 'string' || !item.body.includes(marker)) continue;
    const found = issueOf({ issue: item.number, url: item.html_url });
    if (found) return { ...found, body: item.body };
  }
  return null;
}

/** The issue a create answered with; without a number it is retryable, as the retry looks it up first. */
function created(answer: unknown, label: string): Issue {
  const a = (answer ?? {}) as Record<string, unknown>;
  const found = issueOf({ issue: a.number, url: a.html_url });
  if (!found) throw new SinkError(`${label}: create issue: the answer has no issue number`, true);
  return found;
}

function issueOf(memo: SinkMemo | null): Issue | null {
  const issue = memo?.issue;
  if (typeof issue !== 'number' || !Number.isInteger(issue) || issue <= 0) return null;
  return { issue, url: typeof memo?.url === 'string' ? memo.url : '' };
}

/** A hidden HTML comment; ids are reduced to safe characters so they cannot close it. */
function mark(kind: string, id: string): string {
  return `<!-- hb:${kind}=${id.replace(/[^A-Za-z0-9._:+-]/g, '_')} -->`;
}

/** `iso` minus the skew margin, or null when it is not a time. */
function before(iso: string): string | null {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : new Date(t - SKEW_MS).toISOString();
}

function commentText(n: Notification): string {
  const message = escapeMarkdown(truncateBytes(n.message, 8192)) + causeText(n);
  if (n.type === 'resolve') return `**Recovered** at ${n.ts}: ${message}`;
  if (n.type === 'remind') return `**Still ${n.status}** at ${n.ts} (reminder ${n.incident?.reminders ?? ''}): ${message}`.replace(' ()', '');
  if (n.type === 'message') return `**Message** at ${n.ts}: ${message}`;
  if (n.type === 'escalate') return `**Escalated** at ${n.ts} (step ${n.escalation?.step ?? '?'}): ${message}`;
  if (n.type === 'late') return `**Late** at ${n.ts}: ${message}`;
  return message;
}

/** The message and its cause line, a table of facts, and the end of the output in a fence it cannot close. */
function issueBody(n: Notification): string {
  const r = n.run ?? {};
  const rows: Array<[string, unknown]> = [
    ['job', n.job],
    ['host', n.host],
    ['status', n.incident?.status ?? n.status],
    ['incident opened', n.incident?.opened_at],
    ['notified', n.ts],
    ['run', r.run_id],
    ['exit code', r.exit_code],
    ['signal', r.signal],
    ['outcome', r.outcome],
    ['started', r.started_at],
    ['finished', r.finished_at],
    ['duration', typeof r.duration_ms === 'number' ? `${(r.duration_ms / 1000).toFixed(1)} s` : undefined],
  ];
  const table = rows
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `| ${k} | ${escapeMarkdown(String(v).replace(/\s+/g, ' '))} |`);
  const tail = (r.output_tail ?? '').replace(/\s+$/, '');
  const output = tail ? `\n\nEnd of the last run's output:\n\n${codeBlock(truncateBytes(tail, 16384, { keep: 'end' }))}` : '';
  return `${escapeMarkdown(truncateBytes(n.message, 8192))}${causeText(n)}\n\n| | |\n|---|---|\n${table.join('\n')}${output}`;
}

/** The cause line as the message's second line (a Markdown line break), or '' when there is none. */
function causeText(n: Notification): string {
  return n.cause ? `\\\n${escapeMarkdown(truncateBytes(n.cause, 4096))}` : '';
}
