{{ coverage_by_area('village') }}
