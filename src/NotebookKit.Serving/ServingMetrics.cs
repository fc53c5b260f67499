using NotebookKit.Monitoring;
using Prometheus;

namespace NotebookKit.Serving;

/// <summary>
/// The server's Prometheus metrics, in a registry of its own (several servers can share a process):
/// request counts by endpoint and status, latency histograms, batch sizes, predicted classes, loaded versions,
/// and drift (feature and text) and live-quality gauges refreshed at each scrape.
/// </summary>
public sealed class ServingMetrics
{
    public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();
    public Counter Requests { get; }
    public Histogram Latency { get; }
    public Histogram BatchRows { get; }
    public Counter Predictions { get; }
    public Gauge ModelInfo { get; }
    public Gauge DriftPsi { get; }
    public Gauge DriftKsPValue { get; }
    public Gauge DriftAlert { get; }
    public Gauge DriftAlertsTotal { get; }
    public Gauge Quality { get; }
    public Gauge TextDrift { get; }
    public Gauge TextDriftThreshold { get; }
    public Gauge TextDriftAlert { get; }

    public ServingMetrics()
    {
        var f = Prometheus.Metrics.WithCustomRegistry(Registry);
        Requests = f.CreateCounter("nbkit_requests_total", "HTTP requests by endpoint and status code.", "endpoint", "status");
        Latency = f.CreateHistogram("nbkit_request_duration_seconds", "Request latency by endpoint.",
            new HistogramConfiguration { LabelNames = ["endpoint"], Buckets = Histogram.ExponentialBuckets(0.0001, 2, 16) });
        BatchRows = f.CreateHistogram("nbkit_batch_rows", "Rows per micro-batch run by the backend.",
            new HistogramConfiguration { LabelNames = ["model"], Buckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });
        Predictions = f.CreateCounter("nbkit_predictions_total", "Predicted classes.", "model", "class");
        ModelInfo = f.CreateGauge("nbkit_model_info", "1 for each loaded model version, 0 after it is retired.", "model", "version", "backend");
        DriftPsi = f.CreateGauge("nbkit_drift_psi", "Population stability index of the live window against training.", "model", "feature");
        DriftKsPValue = f.CreateGauge("nbkit_drift_ks_pvalue", "Two-sample KS p-value of the live window against training.", "model", "feature");
        DriftAlert = f.CreateGauge("nbkit_drift_alert", "1 when the feature drifts (PSI above threshold or KS p below alpha).", "model", "feature");
        DriftAlertsTotal = f.CreateGauge("nbkit_drift_alerting_features", "Number of features currently alerting.", "model");
        TextDrift = f.CreateGauge("nbkit_text_drift", "Text drift signal of the live window (oov_rate, length_psi, token_psi).", "model", "signal");
        TextDriftThreshold = f.CreateGauge("nbkit_text_drift_threshold", "Alert threshold of each text drift signal, from the reference's noise floor.", "model", "signal");
        TextDriftAlert = f.CreateGauge("nbkit_text_drift_alert", "1 when the text drift signal is above its threshold.", "model", "signal");
        Quality = f.CreateGauge("nbkit_live_quality", "Rolling quality over labelled feedback (accuracy, f1, auc, count).", "model", "metric");
    }

    internal void ModelLoaded(ServedModel? model, IEnumerable<string> retiredVersions, string? name = null)
    {
        name ??= model!.Name;
        foreach (var v in retiredVersions)
            foreach (var labels in ModelInfo.GetAllLabelValues().Where(l => l[0] == name && l[1] == v).ToArray())
                ModelInfo.WithLabels(labels).Set(0);
        if (model is not null) ModelInfo.WithLabels(model.Name, model.Version, model.Backend.Kind).Set(1);
    }

    /// <summary>Refreshes drift and quality gauges (called before each scrape).</summary>
    internal void Refresh(string model, DriftReport? drift, QualitySnapshot? quality, TextDriftReport? text = null)
    {
        foreach (var signal in text?.Signals ?? [])
        {
            TextDrift.WithLabels(model, signal.Signal).Set(signal.Value);
            TextDriftThreshold.WithLabels(model, signal.Signal).Set(signal.Threshold);
            TextDriftAlert.WithLabels(model, signal.Signal).Set(signal.Alert ? 1 : 0);
        }
        if (drift is not null)
        {
            foreach (var f in drift.Features)
            {
                DriftPsi.WithLabels(model, f.Feature).Set(f.Psi);
                DriftKsPValue.WithLabels(model, f.Feature).Set(f.KsPValue);
                DriftAlert.WithLabels(model, f.Feature).Set(f.Alert ? 1 : 0);
            }
            DriftAlertsTotal.WithLabels(model).Set(drift.Features.Count(f => f.Alert));
        }
        if (quality is not null)
        {
            Quality.WithLabels(model, "count").Set(quality.Count);
            Quality.WithLabels(model, "accuracy").Set(quality.Accuracy);
            Quality.WithLabels(model, "f1").Set(quality.F1);
            if (quality.Auc is double auc) Quality.WithLabels(model, "auc").Set(auc);
        }
    }
}
