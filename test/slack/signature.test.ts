import { describe, expect, it } from 'vitest';
import { computeSlackSignature, SlackSignatureError, verifySlackRequest } from '../../src/slack/signature.js';
import { fixture } from '../support/fixtures.js';

const vector = fixture<{ signingSecret: string; timestamp: string; body: string; expectedSignature: string }>(
  'slack-signature-vector.json',
);
const nowMs = Number(vector.timestamp) * 1000;

function refusal(fn: () => void): SlackSignatureError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SlackSignatureError);
    return err as SlackSignatureError;
  }
  throw new Error('expected a SlackSignatureError, nothing was thrown');
}

describe('computeSlackSignature', () => {
  it("reproduces Slack's worked example", () => {
    expect(computeSlackSignature(vector.signingSecret, vector.timestamp, vector.body)).toBe(vector.expectedSignature);
    expect(vector.expectedSignature).toBe('v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
  });

  it('gives the same signature for the body as a Buffer', () => {
    expect(computeSlackSignature(vector.signingSecret, vector.timestamp, Buffer.from(vector.body, 'utf8'))).toBe(
      vector.expectedSignature,
    );
  });

  it('signs non-ASCII bodies as UTF-8 bytes', () => {
    const s1 = computeSlackSignature('secret', '1', 'héllo');
    const s2 = computeSlackSignature('secret', '1', Buffer.from('héllo', 'utf8'));
    expect(s1).toBe(s2);
    expect(s1).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(computeSlackSignature('secret', '1', Buffer.from('héllo', 'latin1'))).not.toBe(s1);
  });
});

describe('verifySlackRequest', () => {
  const base = {
    signingSecret: vector.signingSecret,
    signature: vector.expectedSignature,
    timestamp: vector.timestamp,
    rawBody: vector.body,
    nowMs,
  };

  it("accepts Slack's worked example at the example's time", () => {
    expect(() => verifySlackRequest(base)).not.toThrow();
    expect(() => verifySlackRequest({ ...base, rawBody: Buffer.from(vector.body) })).not.toThrow();
  });

  it('accepts exactly 300 s of skew either way', () => {
    expect(() => verifySlackRequest({ ...base, nowMs: nowMs + 300_000 })).not.toThrow();
    expect(() => verifySlackRequest({ ...base, nowMs: nowMs - 300_000 })).not.toThrow();
  });

  it('refuses a wrong secret', () => {
    const e = refusal(() => verifySlackRequest({ ...base, signingSecret: 'not-the-secret' }));
    expect(e.reason).toBe('bad_signature');
  });

  it('refuses a tampered body', () => {
    const e = refusal(() => verifySlackRequest({ ...base, rawBody: vector.body.replace('roadrunner', 'coyote') }));
    expect(e.reason).toBe('bad_signature');
  });

  it('refuses a signature of another length or version without throwing anything else', () => {
    expect(refusal(() => verifySlackRequest({ ...base, signature: 'v0=abc' })).reason).toBe('bad_signature');
    expect(refusal(() => verifySlackRequest({ ...base, signature: vector.expectedSignature.replace('v0', 'v1') })).reason).toBe(
      'bad_signature',
    );
    expect(refusal(() => verifySlackRequest({ ...base, signature: `${vector.expectedSignature}00` })).reason).toBe(
      'bad_signature',
    );
    expect(refusal(() => verifySlackRequest({ ...base, signature: 'v0=é'.repeat(30) })).reason).toBe('bad_signature');
  });

  it('refuses a timestamp 301 s old', () => {
    const e = refusal(() => verifySlackRequest({ ...base, nowMs: nowMs + 301_000 }));
    expect(e.reason).toBe('stale_timestamp');
    expect(e.message).toContain('301 s old');
  });

  it('refuses a timestamp 301 s in the future', () => {
    const e = refusal(() => verifySlackRequest({ ...base, nowMs: nowMs - 301_000 }));
    expect(e.reason).toBe('stale_timestamp');
    expect(e.message).toContain('in the future');
  });

  it('refuses a stale request even when correctly signed for its timestamp', () => {
    const ts = String(Number(vector.timestamp) - 3600);
    const signature = computeSlackSignature(vector.signingSecret, ts, vector.body);
    expect(refusal(() => verifySlackRequest({ ...base, timestamp: ts, signature })).reason).toBe('stale_timestamp');
  });

  it('refuses missing headers', () => {
    expect(refusal(() => verifySlackRequest({ ...base, signature: undefined })).reason).toBe('missing_signature');
    expect(refusal(() => verifySlackRequest({ ...base, signature: '' })).reason).toBe('missing_signature');
    expect(refusal(() => verifySlackRequest({ ...base, timestamp: undefined })).reason).toBe('missing_timestamp');
    expect(refusal(() => verifySlackRequest({ ...base, timestamp: '  ' })).reason).toBe('missing_timestamp');
  });

  it('refuses a non-numeric timestamp', () => {
    for (const ts of ['abc', '1531420618.5', '-1531420618', '1e9', '0x5B47', '1531420618abc']) {
      expect(refusal(() => verifySlackRequest({ ...base, timestamp: ts })).reason).toBe('invalid_timestamp');
    }
  });

  it('never puts the secret or the expected signature in the message', () => {
    const cases = [
      () => verifySlackRequest({ ...base, signature: 'v0=0000' }),
      () => verifySlackRequest({ ...base, rawBody: 'x' }),
      () => verifySlackRequest({ ...base, nowMs: 0 }),
      () => verifySlackRequest({ ...base, timestamp: 'nope' }),
      () => verifySlackRequest({ ...base, signature: undefined }),
    ];
    for (const c of cases) {
      const e = refusal(c);
      expect(e.message).not.toContain(vector.signingSecret);
      expect(e.message).not.toContain(vector.expectedSignature.slice(3));
      expect(e.message).not.toContain(computeSlackSignature(vector.signingSecret, vector.timestamp, 'x').slice(3));
    }
  });

  it('refuses to run with an empty signing secret (configuration error, not a 401)', () => {
    const signature = computeSlackSignature('', vector.timestamp, vector.body);
    expect(() => verifySlackRequest({ ...base, signingSecret: '', signature })).toThrow(TypeError);
  });

  it('uses Date.now() when nowMs is not given', () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = computeSlackSignature('s3cret', ts, 'payload=%7B%7D');
    expect(() =>
      verifySlackRequest({ signingSecret: 's3cret', signature, timestamp: ts, rawBody: 'payload=%7B%7D' }),
    ).not.toThrow();
  });
});
