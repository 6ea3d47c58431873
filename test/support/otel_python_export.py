"""Exports metrics with the official OpenTelemetry Python SDK to windrow's /v1/metrics (OTLP/HTTP
protobuf) and prints, as one JSON object on stdout, what it sent: per series the total added
(counters, up-down counters), the values recorded (histograms) and the last value (gauges), and per
export the SDK's MetricExportResult, the HTTP status and the partial success in windrow's answer.

Run by test/integration/local-python-sdk.test.ts with the venv of ../shared/clients/python/install.sh:
    .venv-otel/bin/python test/support/otel_python_export.py --endpoint http://127.0.0.1:PORT/v1/metrics --run ID

Three meter providers, each with its own exporter, so one refused request cannot hide another:
- "delta": every instrument kind with delta temporality, uncompressed;
- "cumulative": every instrument kind with cumulative temporality (the SDK default), gzip;
- "scoped": delta, one meter whose InstrumentationScope carries attributes (protobuf field 3); its
  resource is the delta provider's, and its scope name and version are those of the delta provider's
  meter, so a series that differs only by the scope attributes must stay a series of its own.
Every provider exports twice (record, flush, wait past a 1 s window, record, flush). The reader never
exports by itself (interval = inf), so the exports are exactly the two flushes. Each histogram's
smallest and largest values are recorded before the first export: a cumulative histogram's first
snapshot carries them, and later windows hold differences of snapshots, whose min and max are unknown.
"""

import argparse
import json
import math
import sys
import time

from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse
from opentelemetry.sdk.metrics import (
    Counter,
    Histogram,
    MeterProvider,
    ObservableCounter,
    ObservableGauge,
    ObservableUpDownCounter,
    UpDownCounter,
    _Gauge,
)
from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource

SCOPE_NAME = "windrow.test.python"
SCOPE_VERSION = "1.0.0"
SCOPE_ATTRIBUTES = {"scope.team": "payments", "scope.shard": 7, "scope.beta": True}

# Values are integers or dyadic fractions, so every sum is exact in binary floating point whatever the
# order of additions (the SDK's and windrow's). Histogram values are non-negative: the Python SDK drops
# a negative histogram measurement with a warning (the API's Histogram is for non-negative values).
PHASES = [
    {
        "requests": [(3, "/a"), (5, "/b"), (2, "/a"), (2**33, "/big")],
        "bytes": [0.5, 1024.25],
        "queue": [7, -2, 4],
        "latency": [(1.5, "/a"), (20.0, "/a"), (300.25, "/b"), (8.0, "/a"), (0.0, "/b")],
        "temperature": [(-4.5, "lab"), (21.0, "hall"), (-6.25, "lab")],
        "cpu": [0.25],
        "scoped_requests_plain": [11],
        "scoped_requests": [4, 9],
        "scoped_latency": [2.5, 40.0, 7.75],
        "scoped_level": [3.5],
    },
    {
        "requests": [(1, "/a"), (10, "/b"), (1, "/big")],
        "bytes": [2.75],
        "queue": [-6, 1],
        "latency": [(12.5, "/a"), (1.5, "/b"), (99.75, "/b")],
        "temperature": [(-1.75, "lab")],
        "cpu": [0.875],
        "scoped_requests_plain": [6],
        "scoped_requests": [1],
        "scoped_latency": [0.25, 18.0],
        "scoped_level": [-2.0],
    },
]


class RecordingExporter(OTLPMetricExporter):
    """The SDK's exporter, recording what each export returned and what windrow answered
    (force_flush returns True even when an export failed, so the results are kept here)."""

    def __init__(self, provider_name, **kwargs):
        super().__init__(**kwargs)
        self.provider_name = provider_name
        self.exports = []
        self._responses = []

    def _export(self, serialized_data, timeout_sec=None):
        resp = super()._export(serialized_data, timeout_sec)
        self._responses.append(resp)
        return resp

    def export(self, metrics_data, timeout_millis=10_000, **kwargs):
        data_points = [
            p
            for rm in metrics_data.resource_metrics
            for sm in rm.scope_metrics
            for m in sm.metrics
            for p in m.data.data_points
        ]
        self._responses = []
        result = super().export(metrics_data, timeout_millis, **kwargs)
        record = {
            "provider": self.provider_name,
            "result": result.name,
            "points": len(data_points),
            "timesMs": sorted({p.time_unix_nano // 1_000_000 for p in data_points}),
            "responses": [],
        }
        for resp in self._responses:
            answer = {"status": resp.status_code, "contentType": resp.headers.get("content-type", "")}
            if resp.ok and "protobuf" in answer["contentType"]:
                parsed = ExportMetricsServiceResponse()
                parsed.ParseFromString(resp.content)
                answer["rejectedDataPoints"] = parsed.partial_success.rejected_data_points
                answer["errorMessage"] = parsed.partial_success.error_message
            else:
                answer["body"] = resp.content[:2000].decode("utf-8", "replace")
            record["responses"].append(answer)
        self.exports.append(record)
        return result


class Recorder:
    """What was sent, per series (provider, scope, metric, point attributes)."""

    def __init__(self):
        self.series = {}

    def _get(self, provider, scoped, metric, kind, attributes):
        key = json.dumps([provider, scoped, metric, sorted(attributes.items())])
        if key not in self.series:
            self.series[key] = {
                "provider": provider,
                "scopeAttributes": SCOPE_ATTRIBUTES if scoped else None,
                "metric": metric,
                "kind": kind,
                "attributes": attributes,
                "values": [],
            }
        return self.series[key]

    def add(self, provider, metric, kind, value, attributes=None, scoped=False):
        self._get(provider, scoped, metric, kind, attributes or {})["values"].append(value)

    def summary(self):
        out = []
        for s in self.series.values():
            values = s.pop("values")
            if s["kind"] in ("counter", "updown"):
                s["total"] = sum(values)
            elif s["kind"] == "histogram":
                s.update(count=len(values), sum=sum(values), min=min(values), max=max(values))
            else:
                s["last"] = values[-1]
            s["values"] = values
            out.append(s)
        return out


def temporalities(temporality):
    kinds = [Counter, UpDownCounter, Histogram, _Gauge, ObservableCounter, ObservableUpDownCounter, ObservableGauge]
    return {kind: temporality for kind in kinds}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--run", required=True, help="made part of service.name, so runs never share series")
    parser.add_argument("--pause", type=float, default=1.2, help="seconds between the two exports")
    args = parser.parse_args()

    recorder = Recorder()
    exporters = []
    providers = {}

    def provider(name, service, temporality, compression):
        exporter = RecordingExporter(
            name,
            endpoint=args.endpoint,
            compression=compression,
            preferred_temporality=temporalities(temporality),
            timeout=10,
        )
        exporters.append(exporter)
        reader = PeriodicExportingMetricReader(exporter, export_interval_millis=math.inf)
        resource = Resource.create({"service.name": service, "service.instance.id": f"{service}-1"})
        providers[name] = MeterProvider(metric_readers=[reader], resource=resource)
        return providers[name]

    delta_service = f"py-{args.run}-delta"
    services = {"delta": delta_service, "cumulative": f"py-{args.run}-cumulative", "scoped": delta_service}
    provider("delta", delta_service, AggregationTemporality.DELTA, Compression.NoCompression)
    provider("cumulative", services["cumulative"], AggregationTemporality.CUMULATIVE, Compression.Gzip)
    provider("scoped", delta_service, AggregationTemporality.DELTA, Compression.NoCompression)

    instruments = {}
    cpu_next = {"delta": None, "cumulative": None}

    def cpu_callback(name):
        def callback(_options: CallbackOptions):
            value = cpu_next[name]
            if value is None:
                return []
            recorder.add(name, "py.cpu", "gauge", value, {"core": "0"})
            return [Observation(value, {"core": "0"})]

        return callback

    for name in ("delta", "cumulative"):
        meter = providers[name].get_meter(SCOPE_NAME, SCOPE_VERSION)
        instruments[name] = {
            "requests": meter.create_counter("py.requests", unit="{request}", description="requests served"),
            "bytes": meter.create_counter("py.bytes", unit="By"),
            "queue": meter.create_up_down_counter("py.queue.depth", unit="{item}"),
            "latency": meter.create_histogram("py.latency", unit="ms"),
            "temperature": meter.create_gauge("py.temperature", unit="Cel"),
            "scoped_requests_plain": meter.create_counter("py.scoped.requests"),
        }
        meter.create_observable_gauge("py.cpu", callbacks=[cpu_callback(name)], unit="1")

    scoped_meter = providers["scoped"].get_meter(SCOPE_NAME, SCOPE_VERSION, attributes=SCOPE_ATTRIBUTES)
    scoped = {
        "scoped_requests": scoped_meter.create_counter("py.scoped.requests"),
        "scoped_latency": scoped_meter.create_histogram("py.scoped.latency", unit="ms"),
        "scoped_level": scoped_meter.create_gauge("py.scoped.level"),
    }

    for i, phase in enumerate(PHASES):
        if i > 0:
            time.sleep(args.pause)
        for name in ("delta", "cumulative"):
            ins = instruments[name]
            for value, route in phase["requests"]:
                ins["requests"].add(value, {"route": route})
                recorder.add(name, "py.requests", "counter", value, {"route": route})
            for value in phase["bytes"]:
                ins["bytes"].add(value)
                recorder.add(name, "py.bytes", "counter", value)
            for value in phase["queue"]:
                ins["queue"].add(value, {"queue": "jobs"})
                recorder.add(name, "py.queue.depth", "updown", value, {"queue": "jobs"})
            for value, route in phase["latency"]:
                ins["latency"].record(value, {"route": route})
                recorder.add(name, "py.latency", "histogram", value, {"route": route})
            for value, room in phase["temperature"]:
                ins["temperature"].set(value, {"room": room})
                recorder.add(name, "py.temperature", "gauge", value, {"room": room})
            for value in phase["scoped_requests_plain"]:
                ins["scoped_requests_plain"].add(value)
                recorder.add(name, "py.scoped.requests", "counter", value)
            cpu_next[name] = phase["cpu"][-1]
        for value in phase["scoped_requests"]:
            scoped["scoped_requests"].add(value)
            recorder.add("scoped", "py.scoped.requests", "counter", value, scoped=True)
        for value in phase["scoped_latency"]:
            scoped["scoped_latency"].record(value)
            recorder.add("scoped", "py.scoped.latency", "histogram", value, scoped=True)
        for value in phase["scoped_level"]:
            scoped["scoped_level"].set(value)
            recorder.add("scoped", "py.scoped.level", "gauge", value, scoped=True)
        for p in providers.values():
            p.force_flush()

    for p in providers.values():
        p.shutdown()

    json.dump(
        {
            "services": services,
            "scope": {"name": SCOPE_NAME, "version": SCOPE_VERSION, "attributes": SCOPE_ATTRIBUTES},
            "exports": [e for exporter in exporters for e in exporter.exports],
            "series": recorder.summary(),
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
