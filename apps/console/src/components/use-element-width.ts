import { useEffect, useRef, useState } from 'react';

/**
 * The width an element has on screen, followed as it changes (SVG charts draw in pixels; the board and the
 * statistics reflow from 1366 px down to a phone). `initial` until it is measured, never below `min`.
 */
export function useElementWidth(
  initial: number,
  min: number,
): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(initial);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.max(min, Math.floor(el.getBoundingClientRect().width)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [min]);
  return [ref, width];
}
