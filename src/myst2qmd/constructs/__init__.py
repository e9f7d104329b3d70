"""One module per family of MyST constructs (figures, admonitions, code, math, references,
layout, ...): each registers its directives and roles as specs (``SPECS``) and converts a node
with small pure functions; :mod:`.registry` derives every table from the specs."""
