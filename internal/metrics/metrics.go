// Package metrics exposes consentd's Prometheus metrics: HTTP requests by route
// template and status, latency histograms, consents created and signed, PDF seal
// durations, webhook deliveries and backlog, and the Go and process collectors.
// Labels never carry patient data or IDs: only methods, route templates,
// status codes and delivery results.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds consentd's collectors in a registry of its own (not the
// global one), so tests and several servers in one process never collide.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	created    prometheus.Counter
	signed     prometheus.Counter
	seal       prometheus.Histogram
	deliveries *prometheus.CounterVec
}

// Delivery results counted by consentd_webhook_deliveries_total.
const (
	ResultDelivered = "delivered"
	ResultRetry     = "retry"
	ResultFailed    = "failed"
)

// New builds the metrics; backlog (may be nil) is called at each scrape for
// the number of webhook deliveries waiting to be sent.
func New(backlog func() float64) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total", Help: "HTTP requests served, by method, route template and status code.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds", Help: "Time to serve an HTTP request, by method and route template.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		created: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "consentd_consents_created_total", Help: "Consents created.",
		}),
		signed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "consentd_consents_signed_total", Help: "Consents that became signed (every required signer signed, PDF sealed).",
		}),
		seal: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "consentd_pdf_seal_duration_seconds", Help: "Time to render and seal a consent PDF.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consentd_webhook_deliveries_total", Help: "Webhook delivery attempts by result: delivered, retry (will be tried again) or failed (given up).",
		}, []string{"result"}),
	}
	if backlog == nil {
		backlog = func() float64 { return 0 }
	}
	m.reg.MustRegister(m.requests, m.latency, m.created, m.signed, m.seal, m.deliveries,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "consentd_webhook_backlog", Help: "Webhook deliveries waiting to be sent.",
		}, backlog),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	for _, r := range []string{ResultDelivered, ResultRetry, ResultFailed} {
		m.deliveries.WithLabelValues(r) // show zeros before the first delivery
	}
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry returns the registry, e.g. to gather metrics in tests.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveRequest counts one HTTP request; route must be the route template
// (e.g. /v1/consents/:id), never the raw path, which carries IDs and tokens.
func (m *Metrics) ObserveRequest(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(d.Seconds())
}

// ConsentCreated counts a created consent.
func (m *Metrics) ConsentCreated() { m.created.Inc() }

// ConsentSigned counts a consent that became signed.
func (m *Metrics) ConsentSigned() { m.signed.Inc() }

// SealDuration records how long rendering and sealing one PDF took.
func (m *Metrics) SealDuration(d time.Duration) { m.seal.Observe(d.Seconds()) }

// WebhookResult counts the outcome of one delivery attempt; it fits
// webhook.Dispatcher.OnResult.
func (m *Metrics) WebhookResult(d *consent.WebhookDelivery) {
	m.deliveries.WithLabelValues(DeliveryResult(d)).Inc()
}

// DeliveryResult names the outcome of a delivery attempt that has just been
// recorded: delivered, retry (still pending) or failed (given up).
func DeliveryResult(d *consent.WebhookDelivery) string {
	switch d.Status {
	case consent.DeliveryDelivered:
		return ResultDelivered
	case consent.DeliveryFailed:
		return ResultFailed
	default:
		return ResultRetry
	}
}
