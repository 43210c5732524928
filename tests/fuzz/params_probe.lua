-- The strategy behind fuzz_params: one parameter of each type, with and without ranges.
return {
  name = "params_probe",
  params = {
    n = { default = 10, min = 1, max = 10000 },
    x = { default = 0.5, min = 0, max = 1 },
    big = { default = 0 },
    ratio = { default = 2.5, type = "number" },
    label = { default = "a" },
    flag = { default = false },
  },
}
