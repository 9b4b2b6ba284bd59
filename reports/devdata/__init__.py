"""Development data, apart from the domain: the small fictional demo set a new user sees (`demo`, the
`load_demo` command) and the synthetic data at scale for benchmarks and load tests (`synthetic`, the
`generate_synthetic` command). Both write through the models like any other writer; nothing in the domain,
the figures or the pages depends on them, except the public pages' banner that says demo data is shown."""
