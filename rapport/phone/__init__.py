"""Phone and walk-in desk (CH4, CH5, ES7, RS6): CTI webhook, call log and visit log."""
