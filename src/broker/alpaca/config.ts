/**
 * Alpaca settings from the environment. Paper is the default; live trading needs
 * `OPTDESK_LIVE=1` on top of the keys, and a live host without that flag is refused.
 * The secret is held in a closure, never as an enumerable property, so neither
 * `JSON.stringify` nor `util.inspect` (nor a logger that uses them) can print it.
 */
import { inspect } from 'node:util';

export const ALPACA_PAPER_REST = 'https://paper-api.alpaca.markets';
export const ALPACA_LIVE_REST = 'https://api.alpaca.markets';
export const ALPACA_PAPER_STREAM = 'wss://paper-api.alpaca.markets/stream';
export const ALPACA_LIVE_STREAM = 'wss://api.alpaca.markets/stream';

export interface AlpacaCredentialsView {
  keyId: string;
  secret: string;
}

export interface AlpacaSettings {
  mode: 'paper' | 'live';
  /** REST base URL (no trailing slash). */
  restUrl: string;
  /** trade_updates WebSocket URL. */
  streamUrl: string;
  /** Name of the optdesk account this Alpaca account appears as. */
  accountName: string;
  /** The key pair, only through this call (not a property). */
  credentials(): AlpacaCredentialsView;
}

export class AlpacaConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`);
    this.name = 'AlpacaConfigError';
  }
}

/** Builds settings whose secret cannot leak through serialization. */
export function alpacaSettings(input: {
  keyId: string;
  secret: string;
  live?: boolean;
  restUrl?: string;
  streamUrl?: string;
  accountName?: string;
}): AlpacaSettings {
  const live = input.live === true;
  const restUrl = (input.restUrl ?? (live ? ALPACA_LIVE_REST : ALPACA_PAPER_REST)).replace(/\/+$/, '');
  const streamUrl = input.streamUrl ?? (live ? ALPACA_LIVE_STREAM : ALPACA_PAPER_STREAM);
  for (const [variable, url] of [['ALPACA_BASE_URL', restUrl], ['ALPACA_STREAM_URL', streamUrl]] as const) {
    if (!live && isLiveHost(url, variable)) {
      throw new AlpacaConfigError(variable, "points at Alpaca's live host; set OPTDESK_LIVE=1 to trade live, or use the paper host");
    }
  }
  const { keyId, secret } = input;
  const view = {
    mode: live ? ('live' as const) : ('paper' as const),
    restUrl,
    streamUrl,
    accountName: input.accountName ?? (live ? 'alpaca-live' : 'alpaca-paper'),
    credentials: () => ({ keyId, secret }),
    toJSON: () => ({ mode: view.mode, restUrl, streamUrl, accountName: view.accountName }),
    [inspect.custom]: () => `AlpacaSettings(${view.mode}, ${restUrl})`,
  };
  return view;
}

/**
 * Reads `ALPACA_KEY_ID`, `ALPACA_SECRET_KEY`, `OPTDESK_LIVE`, `ALPACA_BASE_URL`,
 * `ALPACA_STREAM_URL`, `ALPACA_ACCOUNT_NAME`. Null when no keys are set (Alpaca is then
 * simply not configured); a half-configured pair is an error naming the missing variable.
 */
export function alpacaSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AlpacaSettings | null {
  const keyId = env.ALPACA_KEY_ID?.trim() ?? '';
  const secret = env.ALPACA_SECRET_KEY?.trim() ?? '';
  if (!keyId && !secret) return null;
  if (!keyId) throw new AlpacaConfigError('ALPACA_KEY_ID', 'is missing while ALPACA_SECRET_KEY is set');
  if (!secret) throw new AlpacaConfigError('ALPACA_SECRET_KEY', 'is missing while ALPACA_KEY_ID is set');
  const liveFlag = env.OPTDESK_LIVE?.trim();
  if (liveFlag && liveFlag !== '1' && liveFlag !== '0') {
    throw new AlpacaConfigError('OPTDESK_LIVE', `must be 1 (live) or 0/unset (paper), not "${liveFlag}"`);
  }
  return alpacaSettings({
    keyId,
    secret,
    live: liveFlag === '1',
    restUrl: env.ALPACA_BASE_URL?.trim() || undefined,
    streamUrl: env.ALPACA_STREAM_URL?.trim() || undefined,
    accountName: env.ALPACA_ACCOUNT_NAME?.trim() || undefined,
  });
}

function isLiveHost(url: string, variable: string): boolean {
  try {
    return new URL(url).hostname === 'api.alpaca.markets';
  } catch {
    throw new AlpacaConfigError(variable, `"${url}" is not a URL`);
  }
}
