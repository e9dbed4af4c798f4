// Stands for the real core/acme/acme.h in the planted tree.
#pragma once
