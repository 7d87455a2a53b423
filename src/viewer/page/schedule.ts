// Drawing at most once per display frame, however many changes ask for it in between.

/** Returns a function that schedules `draw` for the next animation frame, once. */
export function drawScheduler(draw: () => void): () => void {
  let requested = false;
  return () => {
    if (requested) return;
    requested = true;
    requestAnimationFrame(() => {
      requested = false;
      draw();
    });
  };
}
