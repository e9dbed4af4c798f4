// A planted layering violation: base must not include the ACME layer.
#include "acme.h"
