diff-rescored = scoring changed
diff-flag-critical = Critical
diff-flag-optional = May not arise
diff-flag-weight = Weight
diff-flag-true = yes
diff-flag-false = no
diff-flag-no-weight = not weighed
