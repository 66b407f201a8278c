// PluginScaffold+Sample: the sample data of a new plugin — 120 short support tickets in three
// classes (billing, delivery, technical), written to Samples/<id>/tickets.csv; `factory new`
// copies it into a project. Not here: reading it (the plugin's data code).

extension PluginScaffold {
    static let sampleTickets = """
        text,label
        Please help - my account is locked after the software update. What should I do?,technical
        Notifications stopped working on android. What should I do?,technical
        Hello - the tracking number does not work on the courier site. Please fix this.,delivery
        Urgent: the installer fails with a missing library. What should I do?,technical
        Urgent: the invoice shows the wrong amount. This is the second time.,billing
        Hi team: the app crashes when I open settings. Thanks.,technical
        Please help - the app crashes when I open settings. Thanks.,technical
        Hi team: tracking says delivered but there is no box. Thanks.,delivery
        Please help - my bill is higher than the quoted price. This is the second time.,billing
        Hi team: the app is very slow since the new version. Thanks.,technical
        Please help - when will my order be shipped. Please fix this.,delivery
        Hello - the installer fails with a missing library.,technical
        My account is locked after the software update. This is the second time.,technical
        Please help - the VAT on my invoice is wrong. This is the second time.,billing
        Urgent: the discount code was not applied to my payment. What should I do?,billing
        Hello - I need a copy of last month's invoice.,billing
        Please help - the refund still has not reached my bank account. This is the second time.,billing
        Please help - sync between my phone and laptop stopped working. Please fix this.,technical
        Hi team: my credit card was billed after I cancelled.,billing
        Why is there an extra fee on my bill. Please fix this.,billing
        Urgent: the app is very slow since the new version.,technical
        Urgent: why is there an extra fee on my bill. This is the second time.,billing
        Please help - you charged my card for the premium plan by mistake. What should I do?,billing
        Hello - the website shows an error when I save.,technical
        My account is locked after the software update. Thanks.,technical
        Hi team: the delivery slot was missed again. This is the second time.,delivery
        Hello - I was billed for two accounts. Please fix this.,billing
        The discount code was not applied to my payment. This is the second time.,billing
        The dashboard page does not load in my browser. Thanks.,technical
        Hi team: the shipment is stuck in the warehouse. Thanks.,delivery
        Please help - the export button gives a server error. Thanks.,technical
        Please help - I need a copy of last month's invoice. This is the second time.,billing
        The api returns error 500 for every request. Please fix this.,technical
        Urgent: I cannot log in after the update.,technical
        Urgent: the box arrived damaged and the items are broken. Please fix this.,delivery
        Hello - can you ship to my office instead.,delivery
        Hi team: can you ship to my office instead. This is the second time.,delivery
        Hello - can I pay the invoice by bank transfer. What should I do?,billing
        Please help - the box arrived damaged and the items are broken. Thanks.,delivery
        The tracking number does not work on the courier site. Please fix this.,delivery
        Hello - sync between my phone and laptop stopped working. Please fix this.,technical
        Please help - I need a copy of last month's invoice. Please fix this.,billing
        Hi team: the VAT on my invoice is wrong. What should I do?,billing
        Please help - delivery was promised for Monday and nothing came. Please fix this.,delivery
        Please help - the courier left the package at the wrong address. What should I do?,delivery
        Please help - the export button gives a server error. This is the second time.,technical
        Please help - the courier left the package at the wrong address. Please fix this.,delivery
        Hi team: my package was returned to the sender.,delivery
        The box arrived damaged and the items are broken. This is the second time.,delivery
        My credit card was billed after I cancelled. Please fix this.,billing
        Hello - the refund still has not reached my bank account. Please fix this.,billing
        The invoice shows the wrong amount. Thanks.,billing
        Hello - the box arrived damaged and the items are broken. This is the second time.,delivery
        Please help - my credit card was billed after I cancelled. What should I do?,billing
        Hello - my package was returned to the sender. Please fix this.,delivery
        The courier left the package at the wrong address. What should I do?,delivery
        Hi team: I get a timeout error when uploading files. Please fix this.,technical
        The VAT on my invoice is wrong.,billing
        Urgent: the app is very slow since the new version. Please fix this.,technical
        Please help - can you ship to my office instead. Thanks.,delivery
        Hi team: the website shows an error when I save. Thanks.,technical
        Hi team: you charged my card for the premium plan by mistake. What should I do?,billing
        Urgent: when will my order be shipped. Please fix this.,delivery
        Please help - the discount code was not applied to my payment.,billing
        Hello - I need a copy of last month's invoice. Thanks.,billing
        Please help - the driver never came for the pickup. This is the second time.,delivery
        I was charged twice for my order.,billing
        Hi team: half of the order is missing from the parcel. This is the second time.,delivery
        Please help - sync between my phone and laptop stopped working. What should I do?,technical
        Urgent: the screen freezes after the login page. This is the second time.,technical
        Hi team: why is there an extra fee on my bill.,billing
        Please help - notifications stopped working on android. This is the second time.,technical
        Urgent: the tracking number does not work on the courier site.,delivery
        Hello - I cannot log in after the update.,technical
        Hi team: the driver never came for the pickup. Thanks.,delivery
        Please help - why is there an extra fee on my bill. Thanks.,billing
        Urgent: can I pay the invoice by bank transfer. Please fix this.,billing
        Can you ship to my office instead.,delivery
        Please help - the installer fails with a missing library.,technical
        Please help - my parcel has not arrived yet.,delivery
        Hi team: the invoice shows the wrong amount.,billing
        I need a copy of last month's invoice.,billing
        Urgent: the app crashes when I open settings. What should I do?,technical
        Hi team: the discount code was not applied to my payment. What should I do?,billing
        Hi team: the box arrived damaged and the items are broken. Thanks.,delivery
        Urgent: my credit card was billed after I cancelled. Please fix this.,billing
        Urgent: can you ship to my office instead. What should I do?,delivery
        Urgent: my bill is higher than the quoted price. This is the second time.,billing
        Please help - the tracking number does not work on the courier site. What should I do?,delivery
        Hi team: the discount code was not applied to my payment. Thanks.,billing
        Hello - can I pay the invoice by bank transfer. Please fix this.,billing
        Hello - the invoice shows the wrong amount. What should I do?,billing
        My account is locked after the software update. What should I do?,technical
        Hello - the screen freezes after the login page. Please fix this.,technical
        Hi team: the password reset email never arrives.,technical
        Hello - the box arrived damaged and the items are broken. What should I do?,delivery
        Hi team: my parcel has not arrived yet. This is the second time.,delivery
        The website shows an error when I save. This is the second time.,technical
        The export button gives a server error. Thanks.,technical
        Please help - delivery was promised for Monday and nothing came. Thanks.,delivery
        The app crashes when I open settings.,technical
        Please help - my account is locked after the software update. Please fix this.,technical
        Please help - please refund the payment I made yesterday.,billing
        Hi team: the box arrived damaged and the items are broken. What should I do?,delivery
        Urgent: the delivery slot was missed again. This is the second time.,delivery
        Please help - my account is locked after the software update. This is the second time.,technical
        The app is very slow since the new version. This is the second time.,technical
        The app crashes when I open settings. This is the second time.,technical
        Urgent: when will my order be shipped. Thanks.,delivery
        Half of the order is missing from the parcel. Please fix this.,delivery
        Hi team: two factor authentication code is rejected.,technical
        Urgent: the app crashes when I open settings. Thanks.,technical
        Hi team: the parcel is delayed at customs. Please fix this.,delivery
        Hi team: can I change the delivery address for my parcel. What should I do?,delivery
        Hi team: when will my order be shipped. This is the second time.,delivery
        Hi team: please refund the payment I made yesterday. What should I do?,billing
        Please help - the refund still has not reached my bank account.,billing
        Can you ship to my office instead. What should I do?,delivery
        Urgent: my credit card was billed after I cancelled. What should I do?,billing
        The app is very slow since the new version. Thanks.,technical

        """
}
