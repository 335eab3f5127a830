-- N0 (intake screening): the dietitian reads the client card, the eating
-- card and the notes before any numbers are set.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local SCREENING = {
  screening = "Laura is a healthy 34-year-old woman (168 cm, 72 kg, BMI 25.5) who wants to lose about 5 kg over 12 weeks. "
    .. "She eats pescatarian, has a tree-nut allergy with oral symptoms, and snacks in the afternoon.",
  red_flags = { "None that require a referral; the tree-nut allergy needs label reading for hidden sources" },
  referral = "not needed",
  data_gaps = { "No food diary: intake assumed around maintenance", "Waist not recorded: measure at the first check-in" },
}

return {
  agent = "N0",
  cases = {
    {
      name = "allergies, diet and notes reach the screening",
      input_file = "examples/client.json",
      replies = { { json = SCREENING } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, "Allergies: Tree nuts (walnut, cashew, hazelnut, almond)"), "the allergy is in the prompt")
        assert(has(user, "Diet preference: Pescatarian"), "the diet is in the prompt")
        assert(has(user, "Alcohol: 2-3 glasses of wine a week"), "alcohol is in the prompt")
        assert(has(user, "Additional notes from the client: Afternoon snacking"), "the notes are in the prompt")
        assert(has(calls[1].system, "registered dietitian"), "N0 speaks as the dietitian")
        assert(has(calls[1].system, "Do not set any targets yet"), "N0 only screens")
        assert(output.referral == "not needed")
        assert(#output.data_gaps >= 1, "data gaps are listed")
      end,
    },
    {
      name = "signs of disordered eating lead to a referral",
      input_file = "examples/client.json",
      input = { notes = "I skip meals after a big dinner and run extra to burn it off. I want to be under 60 kg.",
        goal = "Lose 12 kg as fast as possible" },
      replies = { { json = {
        screening = "Laura wants to lose 12 kg quickly and reports compensating for meals with exercise.",
        red_flags = { "Compensating for meals with exercise and a fast weight-loss target: possible disordered eating" },
        referral = "Her GP or an eating-disorder specialist before any calorie deficit starts",
        data_gaps = {},
      } } },
      expect = function(output, calls)
        assert(has(calls[1].user, "run extra to burn it off"), "the notes reach the screening")
        assert(has(calls[1].system, "compensating for meals with exercise"), "the task names the sign")
        assert(output.referral ~= "not needed", "a referral is required")
        assert(has(output.red_flags[1], "disordered eating"))
      end,
    },
  },
}
