#!/usr/bin/env python3
"""End-to-end test of rfx-bench (Python standard library only).

    test_bench.py RFX_BENCH RFX_BENCH_MODEL WORK_DIR

Writes a synthetic model with rfx-bench-model, runs rfx-bench on it and
checks what a user relies on:

* the command line: --help, --version, a bad option, a missing file;
* a Vulkan run with --per-layer, --deadline-ms, --json and --plot: the JSON
  parses and has every field with the right type; its summaries match the
  raw samples it carries (percentiles recomputed here with the same
  documented rule, the early-stopping rank recomputed exactly with
  fractions); the model hash and CRC match the file; a 1 us deadline is
  missed by every frame (milliseconds of work cannot finish in a
  microsecond); the histogram counts every frame; the per-layer GPU times
  add up to within 10% of the whole command buffer's GPU time;
* the SVG parses and holds the histogram bars, the timeline series, the
  deadline line and a marker per missed frame;
* a short periodic run with the validation layer on: no validation message;
* the CPU backend: no GPU figures, said so.

The 10% check takes each profiling run with the production run next to it
(both see the load of that moment) and requires the median pair's ratio
of per-layer sum to whole command buffer time to be within 10%; the ratio
of the means over all pairs, which a few preempted runs can move, has to
be within 25%. lavapipe runs single-threaded
here (LP_NUM_THREADS=0): on a shared 2-core machine a dispatch split over
threads waits for the last one to be scheduled, which spreads single run
times by +-50% and makes the comparison a test of the scheduler.
"""

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib
from fractions import Fraction

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print('FAIL:', what, file=sys.stderr)


def run(args, env=None, expect=0):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(args, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=600)
    check(p.returncode == expect, '%s: exit %d, want %d\n%s' %
          (' '.join(args), p.returncode, expect, p.stderr[-2000:]))
    return p


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


def percentile(s, p):
    """Linear between closest ranks (numpy's default), as bench/stats.h."""
    h = (len(s) - 1) * p
    lo = math.floor(h)
    if lo + 1 >= len(s):
        return float(s[-1])
    return s[lo] + (h - lo) * (s[lo + 1] - s[lo])


def early_rank(n, p, conf):
    """Smallest k with P(Bin(n, p) <= k - 1) >= conf, exactly; 0 if none."""
    p = Fraction(p).limit_denominator(10 ** 6)
    conf = Fraction(conf).limit_denominator(10 ** 6)
    q = 1 - p
    cdf = Fraction(0)
    for j in range(n):
        cdf += math.comb(n, j) * p ** j * q ** (n - j)
        if cdf >= conf:
            return j + 1
    return 0


def near(a, b, rel=1e-9):
    return abs(a - b) <= rel * max(1.0, abs(b))


# Every field and its type ('num' accepts int and float; None: may be null).
NUM, STR, BOOL, OBJ, LIST = 'num', str, bool, dict, list
SUMMARY = {k: NUM for k in ('n', 'min', 'p50', 'p90', 'p99', 'p99_9', 'max',
                            'mean', 'stddev', 'jitter')}
EARLY = {'percentile': NUM, 'confidence': NUM, 'samples': NUM, 'min_samples': NUM,
         'rank': (NUM, None), 'upper_bound_ns': (NUM, None)}
SCHEMA = {
    'tool': STR, 'version': STR, 'reflex_version': STR, 'date': STR,
    'host': {'hostname': STR, 'kernel': STR, 'machine': STR, 'cpus_online': NUM,
             'load_average': LIST},
    'options': {'backend': STR, 'device': (STR, None), 'warmup': NUM,
                'iterations': (NUM, None), 'duration_s': (NUM, None),
                'period_ms': NUM, 'deadline_ms': NUM, 'confidence': NUM,
                'per_layer': BOOL, 'profile_runs': NUM, 'rt': BOOL,
                'rt_priority': NUM, 'cpu': NUM, 'no_pipeline_cache': BOOL,
                'pipeline_cache': (STR, None), 'validation': BOOL},
    'device': ({'name': STR, 'index': NUM, 'type': NUM, 'vendor_id': NUM,
               'device_id': NUM, 'api_version': STR, 'driver_name': STR,
               'driver_info': STR, 'driver_version': NUM, 'timestamps': BOOL,
               'timestamp_period_ns': NUM}, None),
    'model': {'path': STR, 'file_bytes': NUM, 'fnv1a64': STR, 'crc32': STR,
              'precision': STR, 'layer_precisions': {'fp32': NUM, 'fp16': NUM,
                                                     'int8': NUM},
              'layers': NUM, 'tensors': NUM, 'macs': NUM, 'converter': (STR, None),
              'source_name': (STR, None), 'source_fnv1a64': (STR, None),
              'inputs': LIST, 'outputs': LIST},
    'cold_start': {
        'context_create_ns': NUM, 'model_load_ns': NUM,
        'model_load_includes_upload': BOOL, 'read_retimed_ns': (NUM, None),
        'validate_retimed_ns': (NUM, None), 'upload_by_difference_ns': (NUM, None),
        'session': {v: {'create_ns': (NUM, None), 'first_run_ns': (NUM, None)}
                    for v in ('empty_cache', 'warm_cache', 'no_cache')},
        'main_to_first_result_ns': NUM,
        'process_start_to_first_result_ns': (NUM, None),
        'process_start_resolution_ns': (NUM, None),
        'driver_shader_cache_fresh': BOOL, 'pipeline_cache_file': (STR, None),
        'pipeline_cache_file_existed': BOOL},
    'steady_state': {
        'mode': STR, 'warmup_runs': NUM, 'frames': NUM, 'wall_ns': NUM,
        'ended_by': STR, 'percentile_rule': STR, 'stddev_rule': STR,
        'host_latency_ns': SUMMARY, 'gpu_time_ns': (SUMMARY, None),
        'host_minus_gpu_ns': (SUMMARY, None),
        'early_stopping': {'p90': EARLY, 'p99_9': EARLY},
        'histogram_host_ns': {'lo_ns': NUM, 'width_ns': NUM, 'counts': LIST},
        'deadline': ({'deadline_ms': NUM, 'from': STR, 'misses': NUM,
                      'miss_rate': NUM, 'late_after_ok': NUM,
                      'lateness_ns': (SUMMARY, None)}, None),
        'periodic': ({'period_ms': NUM, 'frames_dropped': NUM,
                      'frames_queued': NUM, 'wake_late_ns': (SUMMARY, None),
                      'arrival_to_submit_ns': SUMMARY,
                      'arrival_to_result_ns': SUMMARY},
                     None)},
    'per_layer': (OBJ, None),
    'memory': {'arena_bytes': NUM, 'tensor_bytes': NUM, 'weight_bytes': NUM,
               'host_rss_bytes': NUM, 'host_peak_rss_bytes': NUM},
    'recorded': {'dispatches': NUM, 'barriers': NUM, 'pipelines': NUM},
    'rt': {'requested': BOOL},
    'validation_messages': NUM,
    'samples': {'host_ns': LIST, 'gpu_ns': LIST, 'missed': LIST},
}
PER_LAYER = {
    'profile_runs': NUM, 'sum_ns': NUM, 'profile_total_ns': NUM, 'statistic': STR,
    'whole_command_buffer_interleaved_mean_ns': NUM,
    'whole_command_buffer_runs': NUM, 'steady_state_gpu_p50_ns': NUM,
    'sum_over_whole': NUM, 'pair_ratio_p50': NUM, 'run_sum_p50_ns': NUM,
    'whole_command_buffer_interleaved_p50_ns': NUM, 'run_sum_ns': LIST,
    'run_whole_ns': LIST, 'layers': LIST}
LAYER = {'index': NUM, 'name': STR, 'op': STR, 'input_shape': LIST,
         'output_shape': LIST,
         'precision': STR, 'time_ns': NUM, 'median_ns': NUM, 'min_ns': NUM,
         'percent': NUM, 'macs': NUM, 'ops': NUM, 'integer_ops': BOOL,
         'bytes': NUM, 'gops_per_s': (NUM, None), 'gbytes_per_s': (NUM, None),
         'fused_into': (STR, None)}


def type_ok(v, t):
    if t is None:
        return v is None
    if t == NUM:
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if isinstance(t, dict):
        return isinstance(v, dict)
    return isinstance(v, t)


def conforms(obj, schema, where):
    for key, t in schema.items():
        check(key in obj, '%s.%s missing' % (where, key))
        if key not in obj:
            continue
        v = obj[key]
        alts = t if isinstance(t, tuple) else (t,)
        check(any(type_ok(v, a) for a in alts),
              '%s.%s: %r is not %s' % (where, key, v, alts))
        for a in alts:
            if isinstance(a, dict) and isinstance(v, dict):
                conforms(v, a, where + '.' + key)


def check_summary(s, values, where):
    v = sorted(values)
    check(s['n'] == len(v), where + ': n')
    for key, p in (('p50', .5), ('p90', .9), ('p99', .99), ('p99_9', .999)):
        check(near(s[key], percentile(v, p), 1e-9), '%s.%s %r vs %r' %
              (where, key, s[key], percentile(v, p)))
    check(s['min'] == v[0] and s['max'] == v[-1], where + ': min/max')
    check(near(s['jitter'], v[-1] - v[0]), where + ': jitter')
    mean = sum(v) / len(v)
    check(near(s['mean'], mean, 1e-9), where + ': mean')
    if len(v) > 1:
        sd = math.sqrt(sum((x - mean) ** 2 for x in v) / (len(v) - 1))
        check(near(s['stddev'], sd, 1e-6), where + ': stddev')


def main():
    bench, make_model, base = sys.argv[1:4]
    os.makedirs(base, exist_ok=True)
    # A directory of its own: two runs of the suite may overlap.
    work = tempfile.mkdtemp(prefix='run-', dir=base)
    model = os.path.join(work, 'bench_model.rfx')
    out_json = os.path.join(work, 'bench.json')
    out_svg = os.path.join(work, 'bench.svg')
    env = {'LP_NUM_THREADS': '0', 'RFX_VALIDATION': '0'}

    # Big enough that a run lasts tens of milliseconds on lavapipe: on runs
    # of a few milliseconds one preemption or the profiling buffer's
    # per-dispatch barrier and timestamp can move the 10% check.
    run([make_model, model, '--size', '96', '--width', '24'])

    # Command line.
    p = run([bench, '--help'], env)
    check('Usage: rfx-bench' in p.stdout, '--help prints the usage')
    p = run([bench, '--version'], env)
    check(p.stdout.startswith('rfx-bench '), '--version')
    run([bench, model, '--no-such-option'], env, expect=2)
    run([bench, model, '--iterations', 'ten'], env, expect=2)
    p = run([bench, os.path.join(work, 'missing.rfx'), '-n', '1', '-q'], env, expect=1)
    check('missing.rfx' in p.stderr, 'a missing file is named')

    # The main run: every frame misses a 1 us deadline.
    frames, runs = 60, 40
    p = run([bench, model, '-n', str(frames), '-w', '3', '--deadline-ms', '0.001',
             '--per-layer', '--profile-runs', str(runs), '--json', out_json,
             '--plot', out_svg, '-q'], env)
    check('p99.9' in p.stdout and 'per layer' in p.stdout, 'the table is printed')
    with open(out_json) as f:
        d = json.load(f)
    conforms(d, SCHEMA, 'json')
    check(d['device'] is not None, 'a Vulkan run names its device')
    pl = d['per_layer']
    conforms(pl, PER_LAYER, 'per_layer')
    for i, layer in enumerate(pl['layers']):
        conforms(layer, LAYER, 'per_layer.layers[%d]' % i)

    data = open(model, 'rb').read()
    m = d['model']
    check(m['fnv1a64'] == '%016x' % fnv1a64(data), 'model FNV-1a 64')
    check(m['crc32'] == '%08x' % zlib.crc32(data[224:]), 'model CRC-32 (payload)')
    check(m['file_bytes'] == len(data), 'model size')
    check(m['precision'] == 'fp32' and m['layers'] == len(pl['layers']), 'model')

    st = d['steady_state']
    smp = d['samples']
    check(st['frames'] == frames and len(smp['host_ns']) == frames, 'frame count')
    check_summary(st['host_latency_ns'], smp['host_ns'], 'host_latency_ns')
    gpu = [g for g in smp['gpu_ns'] if g is not None]
    check(len(gpu) == frames, 'a GPU time per frame')
    check_summary(st['gpu_time_ns'], gpu, 'gpu_time_ns')
    check_summary(st['host_minus_gpu_ns'],
                  [h - g for h, g in zip(smp['host_ns'], smp['gpu_ns'])],
                  'host_minus_gpu_ns')
    host = sorted(smp['host_ns'])
    for key, pct in (('p90', 0.9), ('p99_9', 0.999)):
        e = st['early_stopping'][key]
        k = early_rank(frames, pct, e['confidence'])
        check(e['rank'] == (k or None), 'early stopping %s rank %r, want %r' %
              (key, e['rank'], k))
        if k:
            check(e['upper_bound_ns'] == host[k - 1], 'early stopping value')
    h = st['histogram_host_ns']
    check(sum(h['counts']) == frames, 'histogram counts every frame')
    check(h['lo_ns'] == host[0], 'histogram starts at the minimum')
    dl = st['deadline']
    check(dl['misses'] == frames and all(x == 1 for x in smp['missed']),
          'every frame misses a 1 us deadline')
    check(dl['lateness_ns']['n'] == frames and dl['lateness_ns']['min'] >= 0,
          'lateness of each miss')
    c = d['cold_start']
    for v in ('empty_cache', 'warm_cache', 'no_cache'):
        check(c['session'][v]['create_ns'] > 0 and c['session'][v]['first_run_ns'] > 0,
              'cold start: session ' + v)
    check(c['context_create_ns'] > 0 and c['model_load_ns'] > 0, 'cold start phases')
    check(c['main_to_first_result_ns'] >= c['model_load_ns'], 'main to first result')
    mem = d['memory']
    check(mem['arena_bytes'] > 0 and mem['weight_bytes'] > 0 and
          mem['host_rss_bytes'] > 0, 'memory figures')
    check(d['recorded']['dispatches'] > 0, 'recorded dispatches')

    # Per layer: the layer means add up to the mean profiled total, and that
    # is within 10% of the production command buffer's mean GPU time.
    times = [layer['time_ns'] for layer in pl['layers']]
    check(abs(sum(times) - pl['sum_ns']) <= len(times), 'per-layer sum')
    check(abs(pl['sum_ns'] - pl['profile_total_ns']) <= len(times) + 1,
          'layer means add up to the mean total')
    whole = [w for w in pl['run_whole_ns'] if w is not None]
    check(len(pl['run_sum_ns']) == runs and len(whole) == runs, 'profile runs')
    ratio = pl['sum_over_whole']
    pairs = sorted(s / w for s, w in zip(pl['run_sum_ns'], pl['run_whole_ns']))
    pair = percentile(pairs, 0.5)
    print('per-layer sum / whole command buffer: median pair %.3f, means %.3f '
          '(%.3f / %.3f ms), %d pairs' %
          (pair, ratio, pl['sum_ns'] / 1e6,
           pl['whole_command_buffer_interleaved_mean_ns'] / 1e6, runs))
    check(near(pl['pair_ratio_p50'], pair, 1e-9), 'pair_ratio_p50 from the runs')
    check(0.9 <= pair <= 1.1, 'per-layer GPU times sum within 10%% of the whole '
          'command buffer (median pair): %.3f' % pair)
    # The means carry every preemption of 40 pairs: only a coarse bound.
    check(0.75 <= ratio <= 1.25, 'mean per-layer sum within 25%% of the mean '
          'whole command buffer: %.3f' % ratio)
    check(near(sum(layer['percent'] for layer in pl['layers']), 100.0, 1e-6),
          'percentages add up')
    check(times == sorted(times, reverse=True), 'layers sorted by time')

    # The plot.
    svg = ET.parse(out_svg).getroot()
    ns = {'s': 'http://www.w3.org/2000/svg'}
    check(svg.tag == '{http://www.w3.org/2000/svg}svg', 'an SVG document')
    hist = svg.find(".//s:g[@id='histogram']", ns)
    tl = svg.find(".//s:g[@id='timeline']", ns)
    check(hist is not None and tl is not None, 'histogram and timeline groups')
    if hist is not None:
        bars = hist.findall("s:rect[@class='bin']", ns)
        check(len(bars) == sum(1 for x in h['counts'] if x), 'a bar per non-empty bin')
    if tl is not None:
        for pid in ('host', 'gpu'):
            path = tl.find("s:path[@id='%s']" % pid, ns)
            check(path is not None and path.get('d', '').count('L') >= 1,
                  'timeline series ' + pid)
        check(tl.find("s:line[@id='deadline']", ns) is not None, 'deadline line')
        check(len(tl.findall("s:circle[@class='miss']", ns)) == frames,
              'a marker per missed frame')

    # Periodic, with the validation layer: not one message.
    p = run([bench, model, '-n', '4', '-w', '1', '--period-ms', '20',
             '--deadline-ms', '1000', '--per-layer', '--profile-runs', '2',
             '--validation', '--json', out_json, '-q'], env)
    with open(out_json) as f:
        d = json.load(f)
    conforms(d, SCHEMA, 'json (periodic)')
    st = d['steady_state']
    check(st['mode'] == 'periodic' and st['frames'] == 4, 'periodic frames')
    check(st['periodic']['arrival_to_submit_ns']['n'] == 4, 'periodic start figures')
    check(st['periodic']['arrival_to_result_ns']['min'] > 0, 'arrival to result')
    check(d['validation_messages'] == 0, 'no validation message')

    # CPU backend: no GPU time, no per-layer timestamps, and it says so.
    p = run([bench, model, '--backend', 'cpu', '-n', '3', '-w', '1', '--per-layer',
             '--json', out_json, '-q'], env)
    with open(out_json) as f:
        d = json.load(f)
    conforms(d, SCHEMA, 'json (cpu)')
    check(d['device'] is None and d['steady_state']['gpu_time_ns'] is None,
          'CPU: no device, no GPU time')
    check('unavailable' in d['per_layer'], 'CPU: per-layer says why not')

    if FAILS:
        print('%d checks failed; files kept in %s' % (len(FAILS), work),
              file=sys.stderr)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print('all checks passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
