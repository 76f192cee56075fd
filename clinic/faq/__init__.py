"""Staff FAQs at run time: what an FAQ is, the versioned store, and finding the right one.

* ``model``: what an FAQ is (``Faq``, ``Phrasing``, ``Button``, a ``Problem`` found in one)
  and its stored form;
* ``store``: the versioned FAQ store in the tracker store's database;
* ``retrieval``: the index of one version and the answer / choose / leave-it decision;
* ``live``: the version a running server answers with, polled from the store.

Reading the files of ``faq/``, checking them and publishing versions is staff tooling:
``staff.faq`` (docs/staff-guide.md).
"""
