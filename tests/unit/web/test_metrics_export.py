"""The metric families served at /metrics: names, labels from the Tag enum, private registries."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from hhsync.metrics import Metrics, Tag

EXPECTED_FAMILIES = {
    "hhsync_passes": "counter",
    "hhsync_pass_duration_seconds": "histogram",
    "hhsync_responses_synced": "counter",
    "hhsync_responses_failed": "counter",
    "hhsync_hh_requests": "counter",
    "hhsync_hh_errors": "counter",
    "hhsync_bitrix_requests": "counter",
    "hhsync_bitrix_errors": "counter",
    "hhsync_rate_limit_waits": "counter",
    "hhsync_rate_limit_wait_seconds": "counter",
    "hhsync_lease_holders": "gauge",
    "hhsync_pending_responses": "gauge",
    "hhsync_portal_health": "gauge",
    "hhsync_portal_health_transitions": "counter",
    "hhsync_hh_cost_per_minute": "gauge",
    "hhsync_hh_budget_per_minute": "gauge",
    "hhsync_interval_stretch": "gauge",
    "hhsync_effective_poll_interval_seconds": "gauge",
    "hhsync_capacity_portals": "gauge",
}


def exercised() -> Metrics:
    metrics = Metrics()
    metrics.pass_finished("partial", 12.0)
    metrics.pass_finished("ok", 0.3)
    metrics.response_synced(3)
    metrics.response_failed("required_field")
    metrics.hh_request(200)
    metrics.hh_request(None)
    metrics.hh_error(None)
    metrics.bitrix_request(503)
    metrics.bitrix_error("QUERY_LIMIT_EXCEEDED")
    metrics.rate_limit_waited("bitrix", 0.5)
    metrics.rate_limit_waited("bitrix", 1.5)
    metrics.set_lease_holders({"alpha": 2})
    metrics.set_pending_responses({7: 4})
    metrics.set_portal_health({7: "failing", 8: "ok"})
    metrics.health_transition("failing")
    metrics.set_capacity(
        cost_per_min=1140.0,
        budget_per_min=570.0,
        stretch=2.0,
        effective_interval_s=120.0,
        capacity_portals=24,
    )
    return metrics


def test_every_family_is_exported_with_its_type() -> None:
    families = {
        family.name: family.type
        for family in text_string_to_metric_families(exercised().render().decode())
        # prometheus-client adds a "<name>_created" timestamp gauge beside counters and histograms
        if not family.name.endswith("_created")
    }
    assert families == EXPECTED_FAMILIES


def test_label_names_come_only_from_the_tag_enum() -> None:
    allowed = {tag.value for tag in Tag} | {"le"}  # "le": the histogram's own bucket label
    for family in text_string_to_metric_families(exercised().render().decode()):
        for sample in family.samples:
            assert set(sample.labels) <= allowed, (family.name, sample.labels)


def test_recorded_values_are_readable_per_label() -> None:
    metrics = exercised()

    def value(name: str, **labels: str) -> float | None:
        return metrics.registry.get_sample_value(name, labels)

    assert value("hhsync_passes_total", outcome="partial") == 1
    assert value("hhsync_pass_duration_seconds_count") == 2
    assert value("hhsync_pass_duration_seconds_sum") == 12.3
    assert value("hhsync_responses_synced_total") == 3
    assert value("hhsync_responses_failed_total", reason="required_field") == 1
    assert value("hhsync_hh_requests_total", status_code="200") == 1
    assert value("hhsync_hh_requests_total", status_code="none") == 1
    assert value("hhsync_hh_errors_total", status_code="none") == 1
    assert value("hhsync_bitrix_requests_total", status_code="503") == 1
    assert value("hhsync_bitrix_errors_total", code="QUERY_LIMIT_EXCEEDED") == 1
    assert value("hhsync_rate_limit_waits_total", service="bitrix") == 2
    assert value("hhsync_rate_limit_wait_seconds_total", service="bitrix") == 2.0
    assert value("hhsync_lease_holders", owner="alpha") == 2
    assert value("hhsync_pending_responses", portal="7") == 4
    assert value("hhsync_portal_health", portal="7", state="failing") == 1
    assert value("hhsync_portal_health", portal="7", state="ok") == 0
    assert value("hhsync_portal_health", portal="8", state="ok") == 1
    assert value("hhsync_portal_health_transitions_total", state="failing") == 1
    assert value("hhsync_hh_cost_per_minute") == 1140
    assert value("hhsync_hh_budget_per_minute") == 570
    assert value("hhsync_interval_stretch") == 2
    assert value("hhsync_effective_poll_interval_seconds") == 120
    assert value("hhsync_capacity_portals") == 24


def test_gauges_are_replaced_so_vanished_owners_and_portals_drop_out() -> None:
    metrics = exercised()
    metrics.set_lease_holders({"beta": 1})
    metrics.set_pending_responses({})
    assert metrics.registry.get_sample_value("hhsync_lease_holders", {"owner": "alpha"}) is None
    assert metrics.registry.get_sample_value("hhsync_lease_holders", {"owner": "beta"}) == 1
    assert "hhsync_pending_responses{" not in metrics.render().decode()
    metrics.set_portal_health({8: "parked"})
    assert (
        metrics.registry.get_sample_value(
            "hhsync_portal_health", {"portal": "7", "state": "failing"}
        )
        is None
    )
    assert (
        metrics.registry.get_sample_value(
            "hhsync_portal_health", {"portal": "8", "state": "parked"}
        )
        == 1
    )


def test_each_instance_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.response_synced()
    assert first.registry.get_sample_value("hhsync_responses_synced_total") == 1
    assert second.registry.get_sample_value("hhsync_responses_synced_total") == 0
