module DeepCoro.Dsl.Dsl
