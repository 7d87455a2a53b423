// Pure helpers of peers.mjs (no I/O), kept apart so test/unit/bench-peers.test.ts can check
// them: counting the samples each tool delivered, and reading peak RSS figures.

/** Samples and span (µs) of a V8 `.cpuprofile` (`node --cpu-prof`): every sample, any node. */
export function cpuprofileSamples(profile) {
  if (!Array.isArray(profile?.samples)) throw new Error('not a .cpuprofile: no samples array');
  return { samples: profile.samples.length, spanMicros: profile.endTime - profile.startTime };
}

/**
 * Samples and span (µs) of a viztracer report: `viztracer_metadata.sampleCount` (every sample V8
 * reported, all threads), over the span of the report's complete (`X`) events.
 */
export function viztracerSamples(report) {
  const n = report?.viztracer_metadata?.sampleCount;
  if (typeof n !== 'number') throw new Error('not a viztracer report: no sampleCount');
  let lo = Infinity;
  let hi = -Infinity;
  for (const e of report.traceEvents ?? []) {
    if (e.ph !== 'X') continue;
    lo = Math.min(lo, e.ts);
    hi = Math.max(hi, e.ts + e.dur);
  }
  return { samples: n, spanMicros: hi > lo ? hi - lo : NaN };
}

/**
 * Samples and span (µs) of a decoded pprof time profile (`@datadog/pprof`'s Profile, or any
 * object of the same shape): the sum of the values of sample type `sample`/`count`, and
 * `durationNanos`. Its strings are `stringTable.strings` (pprof-format) or a plain array.
 * Note that @datadog/pprof leaves out V8's `(program)` and context-less `(idle)` samples.
 */
export function pprofSamples(profile) {
  const strings = Array.isArray(profile.stringTable)
    ? profile.stringTable
    : profile.stringTable?.strings;
  if (!Array.isArray(strings)) throw new Error('pprof profile without a string table');
  const types = (profile.sampleType ?? []).map(
    (t) => `${strings[Number(t.type)]}/${strings[Number(t.unit)]}`,
  );
  const k = types.indexOf('sample/count');
  if (k < 0) throw new Error(`pprof profile has no sample/count type (types: ${types.join(', ')})`);
  let n = 0;
  for (const s of profile.sample ?? []) n += Number(s.value[k] ?? 0);
  return { samples: n, spanMicros: Number(profile.durationNanos) / 1000 };
}

/**
 * GNU time's `-f '%U %S %M' -o FILE` output (an exit status line may come first): CPU seconds
 * (user + system) of the process and its waited-for children, and their largest peak RSS in kB.
 */
export function parseGnuTime(text) {
  const lines = text.trim().split('\n');
  const [user, sys, kb] = lines[lines.length - 1].trim().split(/\s+/).map(Number);
  return { cpuMs: (user + sys) * 1000, maxRssKB: kb };
}

/**
 * CPU jiffies of the first line of /proc/stat: `busy` (user, nice, system, irq, softirq and
 * steal: time the host gave to someone else) and `total`.
 */
export function parseProcStat(text) {
  const f = /^cpu\s+(.*)$/m.exec(text)[1].trim().split(/\s+/).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  const busy = user + nice + system + irq + softirq + (steal || 0);
  return { busy, total: busy + idle + (iowait || 0) };
}

/**
 * CPUs' worth of work by everything else on the machine during a run: busy CPU seconds of the
 * whole machine (two /proc/stat readings, `hz` jiffies a second) minus the run's own CPU
 * seconds, over the run's wall seconds.
 */
export function othersCpus(before, after, hz, ownCpuMs, wallMs) {
  return ((after.busy - before.busy) / hz - ownCpuMs / 1000) / (wallMs / 1000);
}

/** Whether a viztracer CLI run rejected an option as unknown (exit 2, "unknown option --x"). */
export function rejectedOption(status, stderr, option) {
  return status === 2 && String(stderr).includes(`unknown option ${option}`);
}

/** Delivered samples over the samples the requested rate gives in `spanMicros`. */
export function effectiveRate(samples, spanMicros, intervalMicros) {
  return samples / (spanMicros / intervalMicros);
}

/**
 * Wall time added per extra sample between two intervals of the same tool, in µs: what the
 * added samples cost, without the fixed costs (start-up, writing a report) both runs share.
 */
export function marginalCostMicros(coarse, fine) {
  const dn = fine.samples - coarse.samples;
  return dn > 0 ? ((fine.addedMs - coarse.addedMs) * 1000) / dn : NaN;
}

/** Wall time added per delivered sample, in µs: (traced ms - plain ms) / samples. */
export function costPerSampleMicros(tracedMs, plainMs, samples) {
  return samples > 0 ? ((tracedMs - plainMs) * 1000) / samples : NaN;
}
