{{ coverage_by_area('district') }}
