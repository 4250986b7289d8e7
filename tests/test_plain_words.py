"""Failed expectations said in words: each rule the gate blocks on, and the warnings' counts."""

from pipelines.lib.quality.plain_words import said

LIMITS = {"max_reject_rate": 0.05, "outlier_z": 3.5, "population_tolerance": 0.1}
NUNUKAN = {"snapshot_date": "2026-09-30", "regency_code": "65.03", "rows_read": 91212, "rows_rejected": 19033}


def test_the_rules_the_gate_blocks_on_are_said_as_a_person_would():
    observed = {"unexpected_count": 1, "partial_unexpected_list": [0.2087]}
    assert said("reject_rate_within_limit", observed, limits=LIMITS, file=NUNUKAN) == (
        "reject_rate_within_limit: reject rate 20.9 % > 5 % (6503 Nunukan, 2026-09-30: 19,033 of 91,212 rows)"
    )
    missing = {"missing_count": 2, "partial_missing_list": ["65.04", "65.71"]}
    assert said("all_regencies_present", missing, limits=LIMITS) == (
        "all_regencies_present: no file for 6504 Tana Tidung, 6571 Kota Tarakan"
    )
    assert said("required_columns_present", 2, limits=LIMITS) == (
        "required_columns_present: 2 required column(s) missing from the header"
    )
    assert said("one_person_per_nik", 1200, limits=LIMITS) == (
        "one_person_per_nik: 1,200 NIK(s) held by more than one person"
    )


def test_the_warnings_name_their_limit_and_an_unknown_rule_keeps_its_observed_value():
    assert said("district_coverage_change_outlier", 3, limits={**LIMITS, "outlier_z": 4}) == (
        "district_coverage_change_outlier: 3 district(s) whose coverage changed unlike the others since the "
        "previous snapshot (|modified z| > 4)"
    )
    assert said("population_near_dukcapil", 5, limits=LIMITS) == (
        "population_near_dukcapil: 5 regency figure(s) more than 10 % from Dukcapil's published population"
    )
    assert said("a_new_rule", {"x": 1}, limits=LIMITS) == "a_new_rule (observed {'x': 1})"
    # a check that could not be evaluated says its error, and a rate without its file's figures its value
    assert said("file_loaded", "Binder Error: no such table", limits=LIMITS) == (
        "file_loaded (error: Binder Error: no such table)"
    )
    assert said("reject_rate_within_limit", 0.3, limits=LIMITS) == "reject_rate_within_limit (observed 0.3)"
