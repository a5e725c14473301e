"""The localization methods behind one interface: the interface and the table that names and
creates each method (registry), the centre and optical-flow baselines (baselines), the
training-free bridge (bridge), the CoMMA model as a method (comma) and the built-in CoMMA
checkpoint (shipped). The registry is torch-free; a method's module is imported only when
the method is created."""
