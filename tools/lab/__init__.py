"""hipcheck rendering lab (optional; needs the [lab] extra)."""
