// Prometheus's HTTP API answer to an instant query (`/api/v1/query`), read from its JSON text:
// the series, or an error that says what was expected and what was found.

import { visible } from '../visible.ts';
import type { Answer, Sample } from './types.ts';

/** A body that is not what Prometheus's API sends, or an answer that says the query failed. */
export class AnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnswerError';
  }
}

const clip = (text: string, max = 200) => visible(text.length > max ? `${text.slice(0, max)}…` : text);

/**
 * The series of an instant query's answer (`resultType` `vector`; a `scalar` is one unlabelled
 * sample). Values are numbers (`NaN`, `+Inf` as Prometheus spells them).
 */
export function readAnswer(body: string): Answer {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new AnswerError(`expected the JSON of Prometheus's HTTP API, found ${body.trim() === '' ? 'an empty body' : `"${clip(body.trim())}"`}`);
  }
  const o = json as { status?: unknown; data?: { resultType?: unknown; result?: unknown }; error?: unknown; errorType?: unknown };
  if (typeof o !== 'object' || o === null || (o.status !== 'success' && o.status !== 'error')) {
    throw new AnswerError(`expected an object with "status": "success", found ${clip(JSON.stringify(json))}`);
  }
  if (o.status === 'error') throw new AnswerError(`Prometheus says: ${clip(String(o.error ?? o.errorType ?? 'error'), 500)}`);
  const type = o.data?.resultType;
  const result = o.data?.result;
  if (type === 'scalar' && Array.isArray(result)) return { at: Number(result[0]), samples: [{ labels: {}, value: Number(result[1]) }] };
  if (type !== 'vector' || !Array.isArray(result)) throw new AnswerError(`expected data.resultType "vector", found ${clip(JSON.stringify(type ?? null))}`);
  let at = NaN;
  const samples: Sample[] = [];
  for (const r of result as Array<{ metric?: unknown; value?: unknown }>) {
    const value = r?.value;
    if (typeof r?.metric !== 'object' || r.metric === null || !Array.isArray(value) || value.length !== 2) {
      throw new AnswerError(`expected each result to have "metric" and "value": [time, "number"], found ${clip(JSON.stringify(r))}`);
    }
    at = Number(value[0]);
    samples.push({ labels: r.metric as Record<string, string>, value: Number(value[1]) });
  }
  return { at, samples };
}
