{{ coverage_by_area('province') }}
