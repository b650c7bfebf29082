/**
 * Captures the chart when a trade is entered and when it is exited, and files the image
 * with the journal trade that fill belongs to (POST /api/journal/fills/:fillId/screenshots).
 *
 * It listens to the trading deltas the dock already subscribed to (no second
 * subscription), and captures on the first fill of an order only, so a scale-in of ten
 * partial fills is one entry picture. The chart's canvases (lightweight-charts draws the
 * pane and each axis on its own canvas) are composed into one PNG, as the library's
 * takeScreenshot() does, without reaching into the chart component.
 */
import { useEffect } from 'react';
import type { Socket } from 'socket.io-client';
// Types only: a value import of the hub module would bundle zod, whose eval probe breaks the CSP.
import type { TradingDelta } from '../../../src/hub/trading-hub.js';
import { socket as hubSocket } from '../socket.js';

const DELTA = 'trading:delta';

export function useAutoCapture(): void {
  useEffect(() => {
    const socket = hubSocket as unknown as Socket;
    const onDelta = (d: TradingDelta): void => {
      if (d.kind !== 'order' || !d.fill || d.order.filledQty !== d.fill.qty) return;
      const kind = d.order.role === 'entry' ? 'entry' : 'exit';
      void captureChart().then((png) => (png ? upload(d.fill!.id, kind, png) : undefined));
    };
    socket.on(DELTA, onDelta);
    return () => {
      socket.off(DELTA, onDelta);
    };
  }, []);
}

/** The visible chart as one PNG, or null when no chart is drawn. */
export async function captureChart(): Promise<Blob | null> {
  const root = document.querySelector<HTMLElement>('.chart-canvas');
  if (!root) return null;
  const box = root.getBoundingClientRect();
  if (box.width < 1 || box.height < 1) return null;
  const dpr = window.devicePixelRatio || 1;
  const out = document.createElement('canvas');
  out.width = Math.round(box.width * dpr);
  out.height = Math.round(box.height * dpr);
  const ctx = out.getContext('2d');
  if (!ctx) return null;
  ctx.fillStyle = getComputedStyle(document.body).backgroundColor || '#0b0e13';
  ctx.fillRect(0, 0, out.width, out.height);
  for (const c of root.querySelectorAll('canvas')) {
    const r = c.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;
    ctx.drawImage(c, (r.left - box.left) * dpr, (r.top - box.top) * dpr, r.width * dpr, r.height * dpr);
  }
  return new Promise((resolve) => out.toBlob((b) => resolve(b), 'image/png'));
}

/** A fill may reach the dashboard a moment before the journal can see it: retry a few times. */
async function upload(fillId: string, kind: 'entry' | 'exit', png: Blob): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const res = await fetch(`/api/journal/fills/${encodeURIComponent(fillId)}/screenshots?kind=${kind}`, {
      method: 'POST', headers: { 'content-type': 'image/png' }, body: png,
    }).catch(() => null);
    if (res && res.status !== 404) return;
    await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
  }
}
