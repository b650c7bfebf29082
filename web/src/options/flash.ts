/**
 * Cell flash on change: green when a number rose, red when it fell, for ~600 ms. The class
 * alternates between two names with identical keyframes so a second change inside the
 * animation restarts it instead of being swallowed.
 */
import { useEffect, useRef, useState } from 'react';

export const FLASH_MS = 600;

export function useFlash(value: number | null | undefined): string {
  const prev = useRef(value);
  const [flash, setFlash] = useState<{ dir: 'up' | 'down'; n: number } | null>(null);
  useEffect(() => {
    const before = prev.current;
    prev.current = value;
    if (before == null || value == null || before === value) return;
    setFlash((f) => ({ dir: value > before ? 'up' : 'down', n: (f?.n ?? 0) + 1 }));
    const id = setTimeout(() => setFlash(null), FLASH_MS);
    return () => clearTimeout(id);
  }, [value]);
  return flash ? ` flash-${flash.dir}${flash.n % 2}` : '';
}
