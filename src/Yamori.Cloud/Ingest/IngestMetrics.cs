using System.Diagnostics.Metrics;

namespace Yamori.Cloud.Ingest;

/// <summary>
/// The pipeline's counters as a <see cref="Meter"/> named <c>Yamori.Ingest</c>, so an operator can
/// watch a live cloud with <c>dotnet-counters monitor --counters Yamori.Ingest</c> or export them
/// over OpenTelemetry without Yamori choosing a metrics backend.
/// </summary>
internal static class IngestMetrics
{
    public const string MeterName = "Yamori.Ingest";

    public static Meter Create(IngestPipeline pipeline, out Histogram<double> commitSeconds, out Histogram<int> groupBatches)
    {
        var meter = new Meter(MeterName);
        commitSeconds = meter.CreateHistogram<double>("yamori.ingest.commit_duration", "s", "One group commit: the store transaction including its disk sync.");
        groupBatches = meter.CreateHistogram<int>("yamori.ingest.group_size", "{batch}", "Batches committed together in one transaction.");
        meter.CreateObservableCounter("yamori.ingest.events_stored", () => pipeline.Counters.EventsStored, "{event}");
        meter.CreateObservableCounter("yamori.ingest.batches_stored", () => pipeline.Counters.BatchesStored, "{batch}");
        meter.CreateObservableCounter("yamori.ingest.transactions", () => pipeline.Counters.Groups, "{transaction}");
        meter.CreateObservableCounter("yamori.ingest.duplicates", () => pipeline.Counters.Duplicates, "{batch}");
        meter.CreateObservableCounter("yamori.ingest.rejected", () => pipeline.Counters.Rejected, "{batch}");
        meter.CreateObservableCounter("yamori.ingest.throttled", () => pipeline.Counters.Throttled, "{batch}");
        meter.CreateObservableGauge("yamori.ingest.in_flight", () => pipeline.InFlightBatches, "{batch}");
        return meter;
    }
}
