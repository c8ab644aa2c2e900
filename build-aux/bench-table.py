#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Reads meson's testlog.json of a benchmark run, collects each benchmark's
# figures and prints the table of the figures the issues ask for; writes
# every figure to a JSON file.
#
#   bench-table.py TESTLOG_JSON OUTPUT_JSON
#
# Benchmarks print "BENCH name value unit" lines (tests/bench/mimic-bench.h).
# For benchmarks that only print prose, a few patterns below read their
# known lines; a figure no benchmark printed is marked "not measured".
import json
import os
import platform
import re
import sys
import time

BENCH_LINE = re.compile(r'^BENCH (\S+) (\S+) (\S+)\s*$')

# Figures read from the prose of benchmarks without BENCH lines:
# (benchmark, pattern, [(name, group, unit), ...]).
PROSE = [
    ('bench-ingest', r'^mosquitto_sub: (\d+) msg/s, ([\d.]+) us CPU',
     [('ingest.mosquitto_sub_rate', 1, 'msg/s'), ('ingest.mosquitto_sub_cpu_per_message', 2, 'us')]),
    ('bench-ingest', r'^Mimic .*?: (\d+) msg/s, (\d+) values/s, ([\d.]+) us CPU',
     [('ingest.mimic_rate', 1, 'msg/s'), ('ingest.mimic_cpu_per_message', 3, 'us')]),
    ('bench-ingest', r'^ratio Mimic / mosquitto_sub: ([\d.]+)',
     [('ingest.ratio', 1, 'ratio')]),
    ('bench-console', r'^mimic --demo, \d+ runs: first device median ([\d.]+) s .*first device page drawn median ([\d.]+) s',
     [('console.demo_first_device', 1, 's'), ('console.demo_first_frame', 2, 's')]),
]

# mimic-device --stats lines of bench-device, in the order of its cases.
DEVICE_CASES = ['no_transport', 'broker_100_per_connection', 'broker_connection_each']
DEVICE_STATS = re.compile(r'devices=(\d+) telemetry=(\d+) .*?'
                          r'cpu_percent=([\d.]+) max_rss_kib=(\d+)')


def collect(testlog_path):
    figures = {}
    results = {}
    with open(testlog_path, encoding='utf-8') as log:
        for line in log:
            entry = json.loads(line)
            # "mimic:bench / bench-ingest" in recent meson versions.
            name = entry['name'].split(' / ')[-1]
            results[name] = entry['result']
            stdout = entry.get('stdout') or ''
            for text in stdout.splitlines():
                match = BENCH_LINE.match(text)
                if match:
                    try:
                        figures[match.group(1)] = {'value': float(match.group(2)),
                                                   'unit': match.group(3), 'benchmark': name}
                    except ValueError:
                        pass
            for bench, pattern, fields in PROSE:
                if bench != name:
                    continue
                for text in stdout.splitlines():
                    match = re.match(pattern, text)
                    if match:
                        for figure, group, unit in fields:
                            figures.setdefault(figure, {'value': float(match.group(group)),
                                                        'unit': unit, 'benchmark': name})
            if name == 'bench-device':
                for case, match in zip(DEVICE_CASES, DEVICE_STATS.finditer(stdout)):
                    figures.setdefault(f'device.{case}.devices', {'value': float(match.group(1)), 'unit': 'devices', 'benchmark': name})
                    figures.setdefault(f'device.{case}.cpu', {'value': float(match.group(3)), 'unit': '%', 'benchmark': name})
                    figures.setdefault(f'device.{case}.max_rss', {'value': int(match.group(4)) / 1024, 'unit': 'MiB', 'benchmark': name})
    return figures, results


def fmt(figures, name, digits=None):
    figure = figures.get(name)
    if figure is None:
        return None
    value = figure['value']
    if digits is None:
        digits = 0 if abs(value) >= 100 else 2
    return f'{value:,.{digits}f} {figure["unit"]}'


def first(figures, *names):
    for name in names:
        if name in figures:
            return name
    return None


def table(figures):
    """Rows of (figure, Mimic, compared with)."""
    rows = []

    def row(what, mine, baseline, note=''):
        rows.append({'figure': what,
                     'measured': mine or 'not measured',
                     'compared with': baseline or '',
                     'note': note})

    ratio = figures.get('ingest.ratio')
    row('MQTT ingest rate (Mimic with the twin store)',
        fmt(figures, 'ingest.mimic_rate'),
        fmt(figures, 'ingest.mosquitto_sub_rate') and
        f'mosquitto_sub {fmt(figures, "ingest.mosquitto_sub_rate")} (ratio {ratio["value"]:.2f})' if ratio else
        fmt(figures, 'ingest.mosquitto_sub_rate'))
    row('twin store apply rate, one core', fmt(figures, 'twin_store.apply_rate'), '')
    row('bytes per stored raw sample', fmt(figures, 'twin_store.bytes_per_sample'), '')
    whatif, rk4 = figures.get('whatif.default'), figures.get('whatif.rk4_fixed_1s')
    row('what-if, pump, 30 days (adaptive)', fmt(figures, 'whatif.default', 2),
        rk4 and f'fixed-step RK4 at 1 s {fmt(figures, "whatif.rk4_fixed_1s", 0)}'
        + (f' ({rk4["value"] / whatif["value"]:,.0f}x)' if whatif and whatif['value'] > 0 else ''))
    scene_busy = first(figures, 'scene.frame_work.1m_triangles_200_labels_8_alarms_both',
                       'scene.frame_work.1m_triangles_200_labels_all_values_new')
    row('3D scene frame work, 1M triangles + 200 labels, all changing',
        fmt(figures, scene_busy) if scene_busy else None,
        fmt(figures, 'scene.frame_work.empty_scene_camera_moving') and
        f'empty scene {fmt(figures, "scene.frame_work.empty_scene_camera_moving")}')
    chart_busy = first(figures, 'chart.frame_median.1000000_points_28_h_at_10_hz')
    chart_empty = first(figures, 'chart.frame_median.empty_series_axes_and_grid', 'chart.frame_median.no_series')
    row('trend chart frame, 1,000,000 points (median)',
        fmt(figures, chart_busy) if chart_busy else None,
        chart_empty and f'empty chart {fmt(figures, chart_empty)}')
    devices = figures.get('device.broker_100_per_connection.devices')
    row('10,000-device fleet (mimic-device, 1 Hz, over Mosquitto): CPU',
        fmt(figures, 'device.broker_100_per_connection.cpu', 1),
        fmt(figures, 'device.no_transport.cpu') and
        f'without a broker {fmt(figures, "device.no_transport.cpu", 1)}',
        f'{devices["value"]:,.0f} devices' if devices else '')
    row('10,000-device fleet: peak memory',
        fmt(figures, 'device.broker_100_per_connection.max_rss', 0),
        fmt(figures, 'device.no_transport.max_rss') and
        f'without a broker {fmt(figures, "device.no_transport.max_rss", 0)}')
    row('mimic --demo to the first frame with a device page (median)',
        fmt(figures, 'console.demo_first_frame', 2),
        fmt(figures, 'console.demo_first_device') and
        f'first device in the fleet {fmt(figures, "console.demo_first_device", 2)}')
    p50 = first(figures, 'e2e.latency_p50')
    row('publish to drawn, p50 / p99, under load',
        p50 and f'{fmt(figures, "e2e.latency_p50")} / {fmt(figures, "e2e.latency_p99") or "?"}', '')
    return rows


def machine():
    model = ''
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as cpuinfo:
            for line in cpuinfo:
                if line.startswith('model name'):
                    model = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    return {'cpu': model, 'cores': os.cpu_count(), 'system': platform.platform()}


def main():
    testlog, output = sys.argv[1], sys.argv[2]
    figures, results = collect(testlog)
    rows = table(figures)

    widths = [max(len(r[key]) for r in rows + [{k: k for k in rows[0]}])
              for key in ('figure', 'measured', 'compared with')]
    print()
    print(f'| {"figure":<{widths[0]}} | {"measured":<{widths[1]}} | {"compared with":<{widths[2]}} |')
    print(f'|{"-" * (widths[0] + 2)}|{"-" * (widths[1] + 2)}|{"-" * (widths[2] + 2)}|')
    for r in rows:
        print(f'| {r["figure"]:<{widths[0]}} | {r["measured"]:<{widths[1]}} | {r["compared with"]:<{widths[2]}} |')
    info = machine()
    print(f'\nmachine: {info["cpu"]}, {info["cores"]} cores; benchmarks: '
          + ', '.join(f'{name} {result}' for name, result in sorted(results.items())))

    with open(output, 'w', encoding='utf-8') as out:
        json.dump({'machine': info,
                   'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                   'command': 'build-aux/run-benchmarks.sh',
                   'results': results,
                   'table': rows,
                   'figures': figures}, out, indent=2, sort_keys=True)
        out.write('\n')
    print(f'figures written to {output}')


if __name__ == '__main__':
    main()
