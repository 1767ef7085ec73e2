"""Analysis tools for the chapter's claims: how gradients vanish or explode through time and layers."""

from elman.analysis.gradient_flow import (
    hidden_grad_norms,
    jacobian_norms,
    jacobian_product,
    layer_time_map,
    product_singular_values,
    rho_bound,
    spectrum,
    state_jacobians,
)

__all__ = [
    "hidden_grad_norms",
    "jacobian_norms",
    "jacobian_product",
    "layer_time_map",
    "product_singular_values",
    "rho_bound",
    "spectrum",
    "state_jacobians",
]
