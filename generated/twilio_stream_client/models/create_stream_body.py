from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.stream_status_callback_method import StreamStatusCallbackMethod, check_stream_status_callback_method
from ..models.stream_track import StreamTrack, check_stream_track
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateStreamBody")


@_attrs_define
class CreateStreamBody:
    """The form body of a start. Custom parameters travel as pairs `Parameter<N>.Name` and `Parameter<N>.Value`, N from 1
    to 99; Twilio hands them to your WebSocket server in the `start` message.

        Attributes:
            url (str): The URL of the WebSocket server to which the audio is streamed, e.g. `wss://example.com/media`.
                Twilio's description allows a relative or an absolute URL and labels the field `format: uri`; this contract
                keeps that label, which admits only absolute URIs.
            name (str | Unset): A name for the Stream; it can be used instead of the SID to stop the Stream.
            track (StreamTrack | Unset): The track of the call to stream; Twilio streams `inbound_track` when none is given.
            status_callback (str | Unset): The absolute URL to which Twilio sends status callbacks about the Stream.
            status_callback_method (StreamStatusCallbackMethod | Unset): The HTTP method Twilio uses to request
                `StatusCallback`; `POST` when none is given.
            parameter_1_name (str | Unset): The name of a custom parameter.
            parameter_1_value (str | Unset): The value of a custom parameter.
            parameter_2_name (str | Unset): The name of a custom parameter.
            parameter_2_value (str | Unset): The value of a custom parameter.
            parameter_3_name (str | Unset): The name of a custom parameter.
            parameter_3_value (str | Unset): The value of a custom parameter.
            parameter_4_name (str | Unset): The name of a custom parameter.
            parameter_4_value (str | Unset): The value of a custom parameter.
            parameter_5_name (str | Unset): The name of a custom parameter.
            parameter_5_value (str | Unset): The value of a custom parameter.
            parameter_6_name (str | Unset): The name of a custom parameter.
            parameter_6_value (str | Unset): The value of a custom parameter.
            parameter_7_name (str | Unset): The name of a custom parameter.
            parameter_7_value (str | Unset): The value of a custom parameter.
            parameter_8_name (str | Unset): The name of a custom parameter.
            parameter_8_value (str | Unset): The value of a custom parameter.
            parameter_9_name (str | Unset): The name of a custom parameter.
            parameter_9_value (str | Unset): The value of a custom parameter.
            parameter_10_name (str | Unset): The name of a custom parameter.
            parameter_10_value (str | Unset): The value of a custom parameter.
            parameter_11_name (str | Unset): The name of a custom parameter.
            parameter_11_value (str | Unset): The value of a custom parameter.
            parameter_12_name (str | Unset): The name of a custom parameter.
            parameter_12_value (str | Unset): The value of a custom parameter.
            parameter_13_name (str | Unset): The name of a custom parameter.
            parameter_13_value (str | Unset): The value of a custom parameter.
            parameter_14_name (str | Unset): The name of a custom parameter.
            parameter_14_value (str | Unset): The value of a custom parameter.
            parameter_15_name (str | Unset): The name of a custom parameter.
            parameter_15_value (str | Unset): The value of a custom parameter.
            parameter_16_name (str | Unset): The name of a custom parameter.
            parameter_16_value (str | Unset): The value of a custom parameter.
            parameter_17_name (str | Unset): The name of a custom parameter.
            parameter_17_value (str | Unset): The value of a custom parameter.
            parameter_18_name (str | Unset): The name of a custom parameter.
            parameter_18_value (str | Unset): The value of a custom parameter.
            parameter_19_name (str | Unset): The name of a custom parameter.
            parameter_19_value (str | Unset): The value of a custom parameter.
            parameter_20_name (str | Unset): The name of a custom parameter.
            parameter_20_value (str | Unset): The value of a custom parameter.
            parameter_21_name (str | Unset): The name of a custom parameter.
            parameter_21_value (str | Unset): The value of a custom parameter.
            parameter_22_name (str | Unset): The name of a custom parameter.
            parameter_22_value (str | Unset): The value of a custom parameter.
            parameter_23_name (str | Unset): The name of a custom parameter.
            parameter_23_value (str | Unset): The value of a custom parameter.
            parameter_24_name (str | Unset): The name of a custom parameter.
            parameter_24_value (str | Unset): The value of a custom parameter.
            parameter_25_name (str | Unset): The name of a custom parameter.
            parameter_25_value (str | Unset): The value of a custom parameter.
            parameter_26_name (str | Unset): The name of a custom parameter.
            parameter_26_value (str | Unset): The value of a custom parameter.
            parameter_27_name (str | Unset): The name of a custom parameter.
            parameter_27_value (str | Unset): The value of a custom parameter.
            parameter_28_name (str | Unset): The name of a custom parameter.
            parameter_28_value (str | Unset): The value of a custom parameter.
            parameter_29_name (str | Unset): The name of a custom parameter.
            parameter_29_value (str | Unset): The value of a custom parameter.
            parameter_30_name (str | Unset): The name of a custom parameter.
            parameter_30_value (str | Unset): The value of a custom parameter.
            parameter_31_name (str | Unset): The name of a custom parameter.
            parameter_31_value (str | Unset): The value of a custom parameter.
            parameter_32_name (str | Unset): The name of a custom parameter.
            parameter_32_value (str | Unset): The value of a custom parameter.
            parameter_33_name (str | Unset): The name of a custom parameter.
            parameter_33_value (str | Unset): The value of a custom parameter.
            parameter_34_name (str | Unset): The name of a custom parameter.
            parameter_34_value (str | Unset): The value of a custom parameter.
            parameter_35_name (str | Unset): The name of a custom parameter.
            parameter_35_value (str | Unset): The value of a custom parameter.
            parameter_36_name (str | Unset): The name of a custom parameter.
            parameter_36_value (str | Unset): The value of a custom parameter.
            parameter_37_name (str | Unset): The name of a custom parameter.
            parameter_37_value (str | Unset): The value of a custom parameter.
            parameter_38_name (str | Unset): The name of a custom parameter.
            parameter_38_value (str | Unset): The value of a custom parameter.
            parameter_39_name (str | Unset): The name of a custom parameter.
            parameter_39_value (str | Unset): The value of a custom parameter.
            parameter_40_name (str | Unset): The name of a custom parameter.
            parameter_40_value (str | Unset): The value of a custom parameter.
            parameter_41_name (str | Unset): The name of a custom parameter.
            parameter_41_value (str | Unset): The value of a custom parameter.
            parameter_42_name (str | Unset): The name of a custom parameter.
            parameter_42_value (str | Unset): The value of a custom parameter.
            parameter_43_name (str | Unset): The name of a custom parameter.
            parameter_43_value (str | Unset): The value of a custom parameter.
            parameter_44_name (str | Unset): The name of a custom parameter.
            parameter_44_value (str | Unset): The value of a custom parameter.
            parameter_45_name (str | Unset): The name of a custom parameter.
            parameter_45_value (str | Unset): The value of a custom parameter.
            parameter_46_name (str | Unset): The name of a custom parameter.
            parameter_46_value (str | Unset): The value of a custom parameter.
            parameter_47_name (str | Unset): The name of a custom parameter.
            parameter_47_value (str | Unset): The value of a custom parameter.
            parameter_48_name (str | Unset): The name of a custom parameter.
            parameter_48_value (str | Unset): The value of a custom parameter.
            parameter_49_name (str | Unset): The name of a custom parameter.
            parameter_49_value (str | Unset): The value of a custom parameter.
            parameter_50_name (str | Unset): The name of a custom parameter.
            parameter_50_value (str | Unset): The value of a custom parameter.
            parameter_51_name (str | Unset): The name of a custom parameter.
            parameter_51_value (str | Unset): The value of a custom parameter.
            parameter_52_name (str | Unset): The name of a custom parameter.
            parameter_52_value (str | Unset): The value of a custom parameter.
            parameter_53_name (str | Unset): The name of a custom parameter.
            parameter_53_value (str | Unset): The value of a custom parameter.
            parameter_54_name (str | Unset): The name of a custom parameter.
            parameter_54_value (str | Unset): The value of a custom parameter.
            parameter_55_name (str | Unset): The name of a custom parameter.
            parameter_55_value (str | Unset): The value of a custom parameter.
            parameter_56_name (str | Unset): The name of a custom parameter.
            parameter_56_value (str | Unset): The value of a custom parameter.
            parameter_57_name (str | Unset): The name of a custom parameter.
            parameter_57_value (str | Unset): The value of a custom parameter.
            parameter_58_name (str | Unset): The name of a custom parameter.
            parameter_58_value (str | Unset): The value of a custom parameter.
            parameter_59_name (str | Unset): The name of a custom parameter.
            parameter_59_value (str | Unset): The value of a custom parameter.
            parameter_60_name (str | Unset): The name of a custom parameter.
            parameter_60_value (str | Unset): The value of a custom parameter.
            parameter_61_name (str | Unset): The name of a custom parameter.
            parameter_61_value (str | Unset): The value of a custom parameter.
            parameter_62_name (str | Unset): The name of a custom parameter.
            parameter_62_value (str | Unset): The value of a custom parameter.
            parameter_63_name (str | Unset): The name of a custom parameter.
            parameter_63_value (str | Unset): The value of a custom parameter.
            parameter_64_name (str | Unset): The name of a custom parameter.
            parameter_64_value (str | Unset): The value of a custom parameter.
            parameter_65_name (str | Unset): The name of a custom parameter.
            parameter_65_value (str | Unset): The value of a custom parameter.
            parameter_66_name (str | Unset): The name of a custom parameter.
            parameter_66_value (str | Unset): The value of a custom parameter.
            parameter_67_name (str | Unset): The name of a custom parameter.
            parameter_67_value (str | Unset): The value of a custom parameter.
            parameter_68_name (str | Unset): The name of a custom parameter.
            parameter_68_value (str | Unset): The value of a custom parameter.
            parameter_69_name (str | Unset): The name of a custom parameter.
            parameter_69_value (str | Unset): The value of a custom parameter.
            parameter_70_name (str | Unset): The name of a custom parameter.
            parameter_70_value (str | Unset): The value of a custom parameter.
            parameter_71_name (str | Unset): The name of a custom parameter.
            parameter_71_value (str | Unset): The value of a custom parameter.
            parameter_72_name (str | Unset): The name of a custom parameter.
            parameter_72_value (str | Unset): The value of a custom parameter.
            parameter_73_name (str | Unset): The name of a custom parameter.
            parameter_73_value (str | Unset): The value of a custom parameter.
            parameter_74_name (str | Unset): The name of a custom parameter.
            parameter_74_value (str | Unset): The value of a custom parameter.
            parameter_75_name (str | Unset): The name of a custom parameter.
            parameter_75_value (str | Unset): The value of a custom parameter.
            parameter_76_name (str | Unset): The name of a custom parameter.
            parameter_76_value (str | Unset): The value of a custom parameter.
            parameter_77_name (str | Unset): The name of a custom parameter.
            parameter_77_value (str | Unset): The value of a custom parameter.
            parameter_78_name (str | Unset): The name of a custom parameter.
            parameter_78_value (str | Unset): The value of a custom parameter.
            parameter_79_name (str | Unset): The name of a custom parameter.
            parameter_79_value (str | Unset): The value of a custom parameter.
            parameter_80_name (str | Unset): The name of a custom parameter.
            parameter_80_value (str | Unset): The value of a custom parameter.
            parameter_81_name (str | Unset): The name of a custom parameter.
            parameter_81_value (str | Unset): The value of a custom parameter.
            parameter_82_name (str | Unset): The name of a custom parameter.
            parameter_82_value (str | Unset): The value of a custom parameter.
            parameter_83_name (str | Unset): The name of a custom parameter.
            parameter_83_value (str | Unset): The value of a custom parameter.
            parameter_84_name (str | Unset): The name of a custom parameter.
            parameter_84_value (str | Unset): The value of a custom parameter.
            parameter_85_name (str | Unset): The name of a custom parameter.
            parameter_85_value (str | Unset): The value of a custom parameter.
            parameter_86_name (str | Unset): The name of a custom parameter.
            parameter_86_value (str | Unset): The value of a custom parameter.
            parameter_87_name (str | Unset): The name of a custom parameter.
            parameter_87_value (str | Unset): The value of a custom parameter.
            parameter_88_name (str | Unset): The name of a custom parameter.
            parameter_88_value (str | Unset): The value of a custom parameter.
            parameter_89_name (str | Unset): The name of a custom parameter.
            parameter_89_value (str | Unset): The value of a custom parameter.
            parameter_90_name (str | Unset): The name of a custom parameter.
            parameter_90_value (str | Unset): The value of a custom parameter.
            parameter_91_name (str | Unset): The name of a custom parameter.
            parameter_91_value (str | Unset): The value of a custom parameter.
            parameter_92_name (str | Unset): The name of a custom parameter.
            parameter_92_value (str | Unset): The value of a custom parameter.
            parameter_93_name (str | Unset): The name of a custom parameter.
            parameter_93_value (str | Unset): The value of a custom parameter.
            parameter_94_name (str | Unset): The name of a custom parameter.
            parameter_94_value (str | Unset): The value of a custom parameter.
            parameter_95_name (str | Unset): The name of a custom parameter.
            parameter_95_value (str | Unset): The value of a custom parameter.
            parameter_96_name (str | Unset): The name of a custom parameter.
            parameter_96_value (str | Unset): The value of a custom parameter.
            parameter_97_name (str | Unset): The name of a custom parameter.
            parameter_97_value (str | Unset): The value of a custom parameter.
            parameter_98_name (str | Unset): The name of a custom parameter.
            parameter_98_value (str | Unset): The value of a custom parameter.
            parameter_99_name (str | Unset): The name of a custom parameter.
            parameter_99_value (str | Unset): The value of a custom parameter.
    """

    url: str
    name: str | Unset = UNSET
    track: StreamTrack | Unset = UNSET
    status_callback: str | Unset = UNSET
    status_callback_method: StreamStatusCallbackMethod | Unset = UNSET
    parameter_1_name: str | Unset = UNSET
    parameter_1_value: str | Unset = UNSET
    parameter_2_name: str | Unset = UNSET
    parameter_2_value: str | Unset = UNSET
    parameter_3_name: str | Unset = UNSET
    parameter_3_value: str | Unset = UNSET
    parameter_4_name: str | Unset = UNSET
    parameter_4_value: str | Unset = UNSET
    parameter_5_name: str | Unset = UNSET
    parameter_5_value: str | Unset = UNSET
    parameter_6_name: str | Unset = UNSET
    parameter_6_value: str | Unset = UNSET
    parameter_7_name: str | Unset = UNSET
    parameter_7_value: str | Unset = UNSET
    parameter_8_name: str | Unset = UNSET
    parameter_8_value: str | Unset = UNSET
    parameter_9_name: str | Unset = UNSET
    parameter_9_value: str | Unset = UNSET
    parameter_10_name: str | Unset = UNSET
    parameter_10_value: str | Unset = UNSET
    parameter_11_name: str | Unset = UNSET
    parameter_11_value: str | Unset = UNSET
    parameter_12_name: str | Unset = UNSET
    parameter_12_value: str | Unset = UNSET
    parameter_13_name: str | Unset = UNSET
    parameter_13_value: str | Unset = UNSET
    parameter_14_name: str | Unset = UNSET
    parameter_14_value: str | Unset = UNSET
    parameter_15_name: str | Unset = UNSET
    parameter_15_value: str | Unset = UNSET
    parameter_16_name: str | Unset = UNSET
    parameter_16_value: str | Unset = UNSET
    parameter_17_name: str | Unset = UNSET
    parameter_17_value: str | Unset = UNSET
    parameter_18_name: str | Unset = UNSET
    parameter_18_value: str | Unset = UNSET
    parameter_19_name: str | Unset = UNSET
    parameter_19_value: str | Unset = UNSET
    parameter_20_name: str | Unset = UNSET
    parameter_20_value: str | Unset = UNSET
    parameter_21_name: str | Unset = UNSET
    parameter_21_value: str | Unset = UNSET
    parameter_22_name: str | Unset = UNSET
    parameter_22_value: str | Unset = UNSET
    parameter_23_name: str | Unset = UNSET
    parameter_23_value: str | Unset = UNSET
    parameter_24_name: str | Unset = UNSET
    parameter_24_value: str | Unset = UNSET
    parameter_25_name: str | Unset = UNSET
    parameter_25_value: str | Unset = UNSET
    parameter_26_name: str | Unset = UNSET
    parameter_26_value: str | Unset = UNSET
    parameter_27_name: str | Unset = UNSET
    parameter_27_value: str | Unset = UNSET
    parameter_28_name: str | Unset = UNSET
    parameter_28_value: str | Unset = UNSET
    parameter_29_name: str | Unset = UNSET
    parameter_29_value: str | Unset = UNSET
    parameter_30_name: str | Unset = UNSET
    parameter_30_value: str | Unset = UNSET
    parameter_31_name: str | Unset = UNSET
    parameter_31_value: str | Unset = UNSET
    parameter_32_name: str | Unset = UNSET
    parameter_32_value: str | Unset = UNSET
    parameter_33_name: str | Unset = UNSET
    parameter_33_value: str | Unset = UNSET
    parameter_34_name: str | Unset = UNSET
    parameter_34_value: str | Unset = UNSET
    parameter_35_name: str | Unset = UNSET
    parameter_35_value: str | Unset = UNSET
    parameter_36_name: str | Unset = UNSET
    parameter_36_value: str | Unset = UNSET
    parameter_37_name: str | Unset = UNSET
    parameter_37_value: str | Unset = UNSET
    parameter_38_name: str | Unset = UNSET
    parameter_38_value: str | Unset = UNSET
    parameter_39_name: str | Unset = UNSET
    parameter_39_value: str | Unset = UNSET
    parameter_40_name: str | Unset = UNSET
    parameter_40_value: str | Unset = UNSET
    parameter_41_name: str | Unset = UNSET
    parameter_41_value: str | Unset = UNSET
    parameter_42_name: str | Unset = UNSET
    parameter_42_value: str | Unset = UNSET
    parameter_43_name: str | Unset = UNSET
    parameter_43_value: str | Unset = UNSET
    parameter_44_name: str | Unset = UNSET
    parameter_44_value: str | Unset = UNSET
    parameter_45_name: str | Unset = UNSET
    parameter_45_value: str | Unset = UNSET
    parameter_46_name: str | Unset = UNSET
    parameter_46_value: str | Unset = UNSET
    parameter_47_name: str | Unset = UNSET
    parameter_47_value: str | Unset = UNSET
    parameter_48_name: str | Unset = UNSET
    parameter_48_value: str | Unset = UNSET
    parameter_49_name: str | Unset = UNSET
    parameter_49_value: str | Unset = UNSET
    parameter_50_name: str | Unset = UNSET
    parameter_50_value: str | Unset = UNSET
    parameter_51_name: str | Unset = UNSET
    parameter_51_value: str | Unset = UNSET
    parameter_52_name: str | Unset = UNSET
    parameter_52_value: str | Unset = UNSET
    parameter_53_name: str | Unset = UNSET
    parameter_53_value: str | Unset = UNSET
    parameter_54_name: str | Unset = UNSET
    parameter_54_value: str | Unset = UNSET
    parameter_55_name: str | Unset = UNSET
    parameter_55_value: str | Unset = UNSET
    parameter_56_name: str | Unset = UNSET
    parameter_56_value: str | Unset = UNSET
    parameter_57_name: str | Unset = UNSET
    parameter_57_value: str | Unset = UNSET
    parameter_58_name: str | Unset = UNSET
    parameter_58_value: str | Unset = UNSET
    parameter_59_name: str | Unset = UNSET
    parameter_59_value: str | Unset = UNSET
    parameter_60_name: str | Unset = UNSET
    parameter_60_value: str | Unset = UNSET
    parameter_61_name: str | Unset = UNSET
    parameter_61_value: str | Unset = UNSET
    parameter_62_name: str | Unset = UNSET
    parameter_62_value: str | Unset = UNSET
    parameter_63_name: str | Unset = UNSET
    parameter_63_value: str | Unset = UNSET
    parameter_64_name: str | Unset = UNSET
    parameter_64_value: str | Unset = UNSET
    parameter_65_name: str | Unset = UNSET
    parameter_65_value: str | Unset = UNSET
    parameter_66_name: str | Unset = UNSET
    parameter_66_value: str | Unset = UNSET
    parameter_67_name: str | Unset = UNSET
    parameter_67_value: str | Unset = UNSET
    parameter_68_name: str | Unset = UNSET
    parameter_68_value: str | Unset = UNSET
    parameter_69_name: str | Unset = UNSET
    parameter_69_value: str | Unset = UNSET
    parameter_70_name: str | Unset = UNSET
    parameter_70_value: str | Unset = UNSET
    parameter_71_name: str | Unset = UNSET
    parameter_71_value: str | Unset = UNSET
    parameter_72_name: str | Unset = UNSET
    parameter_72_value: str | Unset = UNSET
    parameter_73_name: str | Unset = UNSET
    parameter_73_value: str | Unset = UNSET
    parameter_74_name: str | Unset = UNSET
    parameter_74_value: str | Unset = UNSET
    parameter_75_name: str | Unset = UNSET
    parameter_75_value: str | Unset = UNSET
    parameter_76_name: str | Unset = UNSET
    parameter_76_value: str | Unset = UNSET
    parameter_77_name: str | Unset = UNSET
    parameter_77_value: str | Unset = UNSET
    parameter_78_name: str | Unset = UNSET
    parameter_78_value: str | Unset = UNSET
    parameter_79_name: str | Unset = UNSET
    parameter_79_value: str | Unset = UNSET
    parameter_80_name: str | Unset = UNSET
    parameter_80_value: str | Unset = UNSET
    parameter_81_name: str | Unset = UNSET
    parameter_81_value: str | Unset = UNSET
    parameter_82_name: str | Unset = UNSET
    parameter_82_value: str | Unset = UNSET
    parameter_83_name: str | Unset = UNSET
    parameter_83_value: str | Unset = UNSET
    parameter_84_name: str | Unset = UNSET
    parameter_84_value: str | Unset = UNSET
    parameter_85_name: str | Unset = UNSET
    parameter_85_value: str | Unset = UNSET
    parameter_86_name: str | Unset = UNSET
    parameter_86_value: str | Unset = UNSET
    parameter_87_name: str | Unset = UNSET
    parameter_87_value: str | Unset = UNSET
    parameter_88_name: str | Unset = UNSET
    parameter_88_value: str | Unset = UNSET
    parameter_89_name: str | Unset = UNSET
    parameter_89_value: str | Unset = UNSET
    parameter_90_name: str | Unset = UNSET
    parameter_90_value: str | Unset = UNSET
    parameter_91_name: str | Unset = UNSET
    parameter_91_value: str | Unset = UNSET
    parameter_92_name: str | Unset = UNSET
    parameter_92_value: str | Unset = UNSET
    parameter_93_name: str | Unset = UNSET
    parameter_93_value: str | Unset = UNSET
    parameter_94_name: str | Unset = UNSET
    parameter_94_value: str | Unset = UNSET
    parameter_95_name: str | Unset = UNSET
    parameter_95_value: str | Unset = UNSET
    parameter_96_name: str | Unset = UNSET
    parameter_96_value: str | Unset = UNSET
    parameter_97_name: str | Unset = UNSET
    parameter_97_value: str | Unset = UNSET
    parameter_98_name: str | Unset = UNSET
    parameter_98_value: str | Unset = UNSET
    parameter_99_name: str | Unset = UNSET
    parameter_99_value: str | Unset = UNSET
    additional_properties: dict[str, str] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        name = self.name

        track: str | Unset = UNSET
        if not isinstance(self.track, Unset):
            track = self.track

        status_callback = self.status_callback

        status_callback_method: str | Unset = UNSET
        if not isinstance(self.status_callback_method, Unset):
            status_callback_method = self.status_callback_method

        parameter_1_name = self.parameter_1_name

        parameter_1_value = self.parameter_1_value

        parameter_2_name = self.parameter_2_name

        parameter_2_value = self.parameter_2_value

        parameter_3_name = self.parameter_3_name

        parameter_3_value = self.parameter_3_value

        parameter_4_name = self.parameter_4_name

        parameter_4_value = self.parameter_4_value

        parameter_5_name = self.parameter_5_name

        parameter_5_value = self.parameter_5_value

        parameter_6_name = self.parameter_6_name

        parameter_6_value = self.parameter_6_value

        parameter_7_name = self.parameter_7_name

        parameter_7_value = self.parameter_7_value

        parameter_8_name = self.parameter_8_name

        parameter_8_value = self.parameter_8_value

        parameter_9_name = self.parameter_9_name

        parameter_9_value = self.parameter_9_value

        parameter_10_name = self.parameter_10_name

        parameter_10_value = self.parameter_10_value

        parameter_11_name = self.parameter_11_name

        parameter_11_value = self.parameter_11_value

        parameter_12_name = self.parameter_12_name

        parameter_12_value = self.parameter_12_value

        parameter_13_name = self.parameter_13_name

        parameter_13_value = self.parameter_13_value

        parameter_14_name = self.parameter_14_name

        parameter_14_value = self.parameter_14_value

        parameter_15_name = self.parameter_15_name

        parameter_15_value = self.parameter_15_value

        parameter_16_name = self.parameter_16_name

        parameter_16_value = self.parameter_16_value

        parameter_17_name = self.parameter_17_name

        parameter_17_value = self.parameter_17_value

        parameter_18_name = self.parameter_18_name

        parameter_18_value = self.parameter_18_value

        parameter_19_name = self.parameter_19_name

        parameter_19_value = self.parameter_19_value

        parameter_20_name = self.parameter_20_name

        parameter_20_value = self.parameter_20_value

        parameter_21_name = self.parameter_21_name

        parameter_21_value = self.parameter_21_value

        parameter_22_name = self.parameter_22_name

        parameter_22_value = self.parameter_22_value

        parameter_23_name = self.parameter_23_name

        parameter_23_value = self.parameter_23_value

        parameter_24_name = self.parameter_24_name

        parameter_24_value = self.parameter_24_value

        parameter_25_name = self.parameter_25_name

        parameter_25_value = self.parameter_25_value

        parameter_26_name = self.parameter_26_name

        parameter_26_value = self.parameter_26_value

        parameter_27_name = self.parameter_27_name

        parameter_27_value = self.parameter_27_value

        parameter_28_name = self.parameter_28_name

        parameter_28_value = self.parameter_28_value

        parameter_29_name = self.parameter_29_name

        parameter_29_value = self.parameter_29_value

        parameter_30_name = self.parameter_30_name

        parameter_30_value = self.parameter_30_value

        parameter_31_name = self.parameter_31_name

        parameter_31_value = self.parameter_31_value

        parameter_32_name = self.parameter_32_name

        parameter_32_value = self.parameter_32_value

        parameter_33_name = self.parameter_33_name

        parameter_33_value = self.parameter_33_value

        parameter_34_name = self.parameter_34_name

        parameter_34_value = self.parameter_34_value

        parameter_35_name = self.parameter_35_name

        parameter_35_value = self.parameter_35_value

        parameter_36_name = self.parameter_36_name

        parameter_36_value = self.parameter_36_value

        parameter_37_name = self.parameter_37_name

        parameter_37_value = self.parameter_37_value

        parameter_38_name = self.parameter_38_name

        parameter_38_value = self.parameter_38_value

        parameter_39_name = self.parameter_39_name

        parameter_39_value = self.parameter_39_value

        parameter_40_name = self.parameter_40_name

        parameter_40_value = self.parameter_40_value

        parameter_41_name = self.parameter_41_name

        parameter_41_value = self.parameter_41_value

        parameter_42_name = self.parameter_42_name

        parameter_42_value = self.parameter_42_value

        parameter_43_name = self.parameter_43_name

        parameter_43_value = self.parameter_43_value

        parameter_44_name = self.parameter_44_name

        parameter_44_value = self.parameter_44_value

        parameter_45_name = self.parameter_45_name

        parameter_45_value = self.parameter_45_value

        parameter_46_name = self.parameter_46_name

        parameter_46_value = self.parameter_46_value

        parameter_47_name = self.parameter_47_name

        parameter_47_value = self.parameter_47_value

        parameter_48_name = self.parameter_48_name

        parameter_48_value = self.parameter_48_value

        parameter_49_name = self.parameter_49_name

        parameter_49_value = self.parameter_49_value

        parameter_50_name = self.parameter_50_name

        parameter_50_value = self.parameter_50_value

        parameter_51_name = self.parameter_51_name

        parameter_51_value = self.parameter_51_value

        parameter_52_name = self.parameter_52_name

        parameter_52_value = self.parameter_52_value

        parameter_53_name = self.parameter_53_name

        parameter_53_value = self.parameter_53_value

        parameter_54_name = self.parameter_54_name

        parameter_54_value = self.parameter_54_value

        parameter_55_name = self.parameter_55_name

        parameter_55_value = self.parameter_55_value

        parameter_56_name = self.parameter_56_name

        parameter_56_value = self.parameter_56_value

        parameter_57_name = self.parameter_57_name

        parameter_57_value = self.parameter_57_value

        parameter_58_name = self.parameter_58_name

        parameter_58_value = self.parameter_58_value

        parameter_59_name = self.parameter_59_name

        parameter_59_value = self.parameter_59_value

        parameter_60_name = self.parameter_60_name

        parameter_60_value = self.parameter_60_value

        parameter_61_name = self.parameter_61_name

        parameter_61_value = self.parameter_61_value

        parameter_62_name = self.parameter_62_name

        parameter_62_value = self.parameter_62_value

        parameter_63_name = self.parameter_63_name

        parameter_63_value = self.parameter_63_value

        parameter_64_name = self.parameter_64_name

        parameter_64_value = self.parameter_64_value

        parameter_65_name = self.parameter_65_name

        parameter_65_value = self.parameter_65_value

        parameter_66_name = self.parameter_66_name

        parameter_66_value = self.parameter_66_value

        parameter_67_name = self.parameter_67_name

        parameter_67_value = self.parameter_67_value

        parameter_68_name = self.parameter_68_name

        parameter_68_value = self.parameter_68_value

        parameter_69_name = self.parameter_69_name

        parameter_69_value = self.parameter_69_value

        parameter_70_name = self.parameter_70_name

        parameter_70_value = self.parameter_70_value

        parameter_71_name = self.parameter_71_name

        parameter_71_value = self.parameter_71_value

        parameter_72_name = self.parameter_72_name

        parameter_72_value = self.parameter_72_value

        parameter_73_name = self.parameter_73_name

        parameter_73_value = self.parameter_73_value

        parameter_74_name = self.parameter_74_name

        parameter_74_value = self.parameter_74_value

        parameter_75_name = self.parameter_75_name

        parameter_75_value = self.parameter_75_value

        parameter_76_name = self.parameter_76_name

        parameter_76_value = self.parameter_76_value

        parameter_77_name = self.parameter_77_name

        parameter_77_value = self.parameter_77_value

        parameter_78_name = self.parameter_78_name

        parameter_78_value = self.parameter_78_value

        parameter_79_name = self.parameter_79_name

        parameter_79_value = self.parameter_79_value

        parameter_80_name = self.parameter_80_name

        parameter_80_value = self.parameter_80_value

        parameter_81_name = self.parameter_81_name

        parameter_81_value = self.parameter_81_value

        parameter_82_name = self.parameter_82_name

        parameter_82_value = self.parameter_82_value

        parameter_83_name = self.parameter_83_name

        parameter_83_value = self.parameter_83_value

        parameter_84_name = self.parameter_84_name

        parameter_84_value = self.parameter_84_value

        parameter_85_name = self.parameter_85_name

        parameter_85_value = self.parameter_85_value

        parameter_86_name = self.parameter_86_name

        parameter_86_value = self.parameter_86_value

        parameter_87_name = self.parameter_87_name

        parameter_87_value = self.parameter_87_value

        parameter_88_name = self.parameter_88_name

        parameter_88_value = self.parameter_88_value

        parameter_89_name = self.parameter_89_name

        parameter_89_value = self.parameter_89_value

        parameter_90_name = self.parameter_90_name

        parameter_90_value = self.parameter_90_value

        parameter_91_name = self.parameter_91_name

        parameter_91_value = self.parameter_91_value

        parameter_92_name = self.parameter_92_name

        parameter_92_value = self.parameter_92_value

        parameter_93_name = self.parameter_93_name

        parameter_93_value = self.parameter_93_value

        parameter_94_name = self.parameter_94_name

        parameter_94_value = self.parameter_94_value

        parameter_95_name = self.parameter_95_name

        parameter_95_value = self.parameter_95_value

        parameter_96_name = self.parameter_96_name

        parameter_96_value = self.parameter_96_value

        parameter_97_name = self.parameter_97_name

        parameter_97_value = self.parameter_97_value

        parameter_98_name = self.parameter_98_name

        parameter_98_value = self.parameter_98_value

        parameter_99_name = self.parameter_99_name

        parameter_99_value = self.parameter_99_value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "Url": url,
            }
        )
        if name is not UNSET:
            field_dict["Name"] = name
        if track is not UNSET:
            field_dict["Track"] = track
        if status_callback is not UNSET:
            field_dict["StatusCallback"] = status_callback
        if status_callback_method is not UNSET:
            field_dict["StatusCallbackMethod"] = status_callback_method
        if parameter_1_name is not UNSET:
            field_dict["Parameter1.Name"] = parameter_1_name
        if parameter_1_value is not UNSET:
            field_dict["Parameter1.Value"] = parameter_1_value
        if parameter_2_name is not UNSET:
            field_dict["Parameter2.Name"] = parameter_2_name
        if parameter_2_value is not UNSET:
            field_dict["Parameter2.Value"] = parameter_2_value
        if parameter_3_name is not UNSET:
            field_dict["Parameter3.Name"] = parameter_3_name
        if parameter_3_value is not UNSET:
            field_dict["Parameter3.Value"] = parameter_3_value
        if parameter_4_name is not UNSET:
            field_dict["Parameter4.Name"] = parameter_4_name
        if parameter_4_value is not UNSET:
            field_dict["Parameter4.Value"] = parameter_4_value
        if parameter_5_name is not UNSET:
            field_dict["Parameter5.Name"] = parameter_5_name
        if parameter_5_value is not UNSET:
            field_dict["Parameter5.Value"] = parameter_5_value
        if parameter_6_name is not UNSET:
            field_dict["Parameter6.Name"] = parameter_6_name
        if parameter_6_value is not UNSET:
            field_dict["Parameter6.Value"] = parameter_6_value
        if parameter_7_name is not UNSET:
            field_dict["Parameter7.Name"] = parameter_7_name
        if parameter_7_value is not UNSET:
            field_dict["Parameter7.Value"] = parameter_7_value
        if parameter_8_name is not UNSET:
            field_dict["Parameter8.Name"] = parameter_8_name
        if parameter_8_value is not UNSET:
            field_dict["Parameter8.Value"] = parameter_8_value
        if parameter_9_name is not UNSET:
            field_dict["Parameter9.Name"] = parameter_9_name
        if parameter_9_value is not UNSET:
            field_dict["Parameter9.Value"] = parameter_9_value
        if parameter_10_name is not UNSET:
            field_dict["Parameter10.Name"] = parameter_10_name
        if parameter_10_value is not UNSET:
            field_dict["Parameter10.Value"] = parameter_10_value
        if parameter_11_name is not UNSET:
            field_dict["Parameter11.Name"] = parameter_11_name
        if parameter_11_value is not UNSET:
            field_dict["Parameter11.Value"] = parameter_11_value
        if parameter_12_name is not UNSET:
            field_dict["Parameter12.Name"] = parameter_12_name
        if parameter_12_value is not UNSET:
            field_dict["Parameter12.Value"] = parameter_12_value
        if parameter_13_name is not UNSET:
            field_dict["Parameter13.Name"] = parameter_13_name
        if parameter_13_value is not UNSET:
            field_dict["Parameter13.Value"] = parameter_13_value
        if parameter_14_name is not UNSET:
            field_dict["Parameter14.Name"] = parameter_14_name
        if parameter_14_value is not UNSET:
            field_dict["Parameter14.Value"] = parameter_14_value
        if parameter_15_name is not UNSET:
            field_dict["Parameter15.Name"] = parameter_15_name
        if parameter_15_value is not UNSET:
            field_dict["Parameter15.Value"] = parameter_15_value
        if parameter_16_name is not UNSET:
            field_dict["Parameter16.Name"] = parameter_16_name
        if parameter_16_value is not UNSET:
            field_dict["Parameter16.Value"] = parameter_16_value
        if parameter_17_name is not UNSET:
            field_dict["Parameter17.Name"] = parameter_17_name
        if parameter_17_value is not UNSET:
            field_dict["Parameter17.Value"] = parameter_17_value
        if parameter_18_name is not UNSET:
            field_dict["Parameter18.Name"] = parameter_18_name
        if parameter_18_value is not UNSET:
            field_dict["Parameter18.Value"] = parameter_18_value
        if parameter_19_name is not UNSET:
            field_dict["Parameter19.Name"] = parameter_19_name
        if parameter_19_value is not UNSET:
            field_dict["Parameter19.Value"] = parameter_19_value
        if parameter_20_name is not UNSET:
            field_dict["Parameter20.Name"] = parameter_20_name
        if parameter_20_value is not UNSET:
            field_dict["Parameter20.Value"] = parameter_20_value
        if parameter_21_name is not UNSET:
            field_dict["Parameter21.Name"] = parameter_21_name
        if parameter_21_value is not UNSET:
            field_dict["Parameter21.Value"] = parameter_21_value
        if parameter_22_name is not UNSET:
            field_dict["Parameter22.Name"] = parameter_22_name
        if parameter_22_value is not UNSET:
            field_dict["Parameter22.Value"] = parameter_22_value
        if parameter_23_name is not UNSET:
            field_dict["Parameter23.Name"] = parameter_23_name
        if parameter_23_value is not UNSET:
            field_dict["Parameter23.Value"] = parameter_23_value
        if parameter_24_name is not UNSET:
            field_dict["Parameter24.Name"] = parameter_24_name
        if parameter_24_value is not UNSET:
            field_dict["Parameter24.Value"] = parameter_24_value
        if parameter_25_name is not UNSET:
            field_dict["Parameter25.Name"] = parameter_25_name
        if parameter_25_value is not UNSET:
            field_dict["Parameter25.Value"] = parameter_25_value
        if parameter_26_name is not UNSET:
            field_dict["Parameter26.Name"] = parameter_26_name
        if parameter_26_value is not UNSET:
            field_dict["Parameter26.Value"] = parameter_26_value
        if parameter_27_name is not UNSET:
            field_dict["Parameter27.Name"] = parameter_27_name
        if parameter_27_value is not UNSET:
            field_dict["Parameter27.Value"] = parameter_27_value
        if parameter_28_name is not UNSET:
            field_dict["Parameter28.Name"] = parameter_28_name
        if parameter_28_value is not UNSET:
            field_dict["Parameter28.Value"] = parameter_28_value
        if parameter_29_name is not UNSET:
            field_dict["Parameter29.Name"] = parameter_29_name
        if parameter_29_value is not UNSET:
            field_dict["Parameter29.Value"] = parameter_29_value
        if parameter_30_name is not UNSET:
            field_dict["Parameter30.Name"] = parameter_30_name
        if parameter_30_value is not UNSET:
            field_dict["Parameter30.Value"] = parameter_30_value
        if parameter_31_name is not UNSET:
            field_dict["Parameter31.Name"] = parameter_31_name
        if parameter_31_value is not UNSET:
            field_dict["Parameter31.Value"] = parameter_31_value
        if parameter_32_name is not UNSET:
            field_dict["Parameter32.Name"] = parameter_32_name
        if parameter_32_value is not UNSET:
            field_dict["Parameter32.Value"] = parameter_32_value
        if parameter_33_name is not UNSET:
            field_dict["Parameter33.Name"] = parameter_33_name
        if parameter_33_value is not UNSET:
            field_dict["Parameter33.Value"] = parameter_33_value
        if parameter_34_name is not UNSET:
            field_dict["Parameter34.Name"] = parameter_34_name
        if parameter_34_value is not UNSET:
            field_dict["Parameter34.Value"] = parameter_34_value
        if parameter_35_name is not UNSET:
            field_dict["Parameter35.Name"] = parameter_35_name
        if parameter_35_value is not UNSET:
            field_dict["Parameter35.Value"] = parameter_35_value
        if parameter_36_name is not UNSET:
            field_dict["Parameter36.Name"] = parameter_36_name
        if parameter_36_value is not UNSET:
            field_dict["Parameter36.Value"] = parameter_36_value
        if parameter_37_name is not UNSET:
            field_dict["Parameter37.Name"] = parameter_37_name
        if parameter_37_value is not UNSET:
            field_dict["Parameter37.Value"] = parameter_37_value
        if parameter_38_name is not UNSET:
            field_dict["Parameter38.Name"] = parameter_38_name
        if parameter_38_value is not UNSET:
            field_dict["Parameter38.Value"] = parameter_38_value
        if parameter_39_name is not UNSET:
            field_dict["Parameter39.Name"] = parameter_39_name
        if parameter_39_value is not UNSET:
            field_dict["Parameter39.Value"] = parameter_39_value
        if parameter_40_name is not UNSET:
            field_dict["Parameter40.Name"] = parameter_40_name
        if parameter_40_value is not UNSET:
            field_dict["Parameter40.Value"] = parameter_40_value
        if parameter_41_name is not UNSET:
            field_dict["Parameter41.Name"] = parameter_41_name
        if parameter_41_value is not UNSET:
            field_dict["Parameter41.Value"] = parameter_41_value
        if parameter_42_name is not UNSET:
            field_dict["Parameter42.Name"] = parameter_42_name
        if parameter_42_value is not UNSET:
            field_dict["Parameter42.Value"] = parameter_42_value
        if parameter_43_name is not UNSET:
            field_dict["Parameter43.Name"] = parameter_43_name
        if parameter_43_value is not UNSET:
            field_dict["Parameter43.Value"] = parameter_43_value
        if parameter_44_name is not UNSET:
            field_dict["Parameter44.Name"] = parameter_44_name
        if parameter_44_value is not UNSET:
            field_dict["Parameter44.Value"] = parameter_44_value
        if parameter_45_name is not UNSET:
            field_dict["Parameter45.Name"] = parameter_45_name
        if parameter_45_value is not UNSET:
            field_dict["Parameter45.Value"] = parameter_45_value
        if parameter_46_name is not UNSET:
            field_dict["Parameter46.Name"] = parameter_46_name
        if parameter_46_value is not UNSET:
            field_dict["Parameter46.Value"] = parameter_46_value
        if parameter_47_name is not UNSET:
            field_dict["Parameter47.Name"] = parameter_47_name
        if parameter_47_value is not UNSET:
            field_dict["Parameter47.Value"] = parameter_47_value
        if parameter_48_name is not UNSET:
            field_dict["Parameter48.Name"] = parameter_48_name
        if parameter_48_value is not UNSET:
            field_dict["Parameter48.Value"] = parameter_48_value
        if parameter_49_name is not UNSET:
            field_dict["Parameter49.Name"] = parameter_49_name
        if parameter_49_value is not UNSET:
            field_dict["Parameter49.Value"] = parameter_49_value
        if parameter_50_name is not UNSET:
            field_dict["Parameter50.Name"] = parameter_50_name
        if parameter_50_value is not UNSET:
            field_dict["Parameter50.Value"] = parameter_50_value
        if parameter_51_name is not UNSET:
            field_dict["Parameter51.Name"] = parameter_51_name
        if parameter_51_value is not UNSET:
            field_dict["Parameter51.Value"] = parameter_51_value
        if parameter_52_name is not UNSET:
            field_dict["Parameter52.Name"] = parameter_52_name
        if parameter_52_value is not UNSET:
            field_dict["Parameter52.Value"] = parameter_52_value
        if parameter_53_name is not UNSET:
            field_dict["Parameter53.Name"] = parameter_53_name
        if parameter_53_value is not UNSET:
            field_dict["Parameter53.Value"] = parameter_53_value
        if parameter_54_name is not UNSET:
            field_dict["Parameter54.Name"] = parameter_54_name
        if parameter_54_value is not UNSET:
            field_dict["Parameter54.Value"] = parameter_54_value
        if parameter_55_name is not UNSET:
            field_dict["Parameter55.Name"] = parameter_55_name
        if parameter_55_value is not UNSET:
            field_dict["Parameter55.Value"] = parameter_55_value
        if parameter_56_name is not UNSET:
            field_dict["Parameter56.Name"] = parameter_56_name
        if parameter_56_value is not UNSET:
            field_dict["Parameter56.Value"] = parameter_56_value
        if parameter_57_name is not UNSET:
            field_dict["Parameter57.Name"] = parameter_57_name
        if parameter_57_value is not UNSET:
            field_dict["Parameter57.Value"] = parameter_57_value
        if parameter_58_name is not UNSET:
            field_dict["Parameter58.Name"] = parameter_58_name
        if parameter_58_value is not UNSET:
            field_dict["Parameter58.Value"] = parameter_58_value
        if parameter_59_name is not UNSET:
            field_dict["Parameter59.Name"] = parameter_59_name
        if parameter_59_value is not UNSET:
            field_dict["Parameter59.Value"] = parameter_59_value
        if parameter_60_name is not UNSET:
            field_dict["Parameter60.Name"] = parameter_60_name
        if parameter_60_value is not UNSET:
            field_dict["Parameter60.Value"] = parameter_60_value
        if parameter_61_name is not UNSET:
            field_dict["Parameter61.Name"] = parameter_61_name
        if parameter_61_value is not UNSET:
            field_dict["Parameter61.Value"] = parameter_61_value
        if parameter_62_name is not UNSET:
            field_dict["Parameter62.Name"] = parameter_62_name
        if parameter_62_value is not UNSET:
            field_dict["Parameter62.Value"] = parameter_62_value
        if parameter_63_name is not UNSET:
            field_dict["Parameter63.Name"] = parameter_63_name
        if parameter_63_value is not UNSET:
            field_dict["Parameter63.Value"] = parameter_63_value
        if parameter_64_name is not UNSET:
            field_dict["Parameter64.Name"] = parameter_64_name
        if parameter_64_value is not UNSET:
            field_dict["Parameter64.Value"] = parameter_64_value
        if parameter_65_name is not UNSET:
            field_dict["Parameter65.Name"] = parameter_65_name
        if parameter_65_value is not UNSET:
            field_dict["Parameter65.Value"] = parameter_65_value
        if parameter_66_name is not UNSET:
            field_dict["Parameter66.Name"] = parameter_66_name
        if parameter_66_value is not UNSET:
            field_dict["Parameter66.Value"] = parameter_66_value
        if parameter_67_name is not UNSET:
            field_dict["Parameter67.Name"] = parameter_67_name
        if parameter_67_value is not UNSET:
            field_dict["Parameter67.Value"] = parameter_67_value
        if parameter_68_name is not UNSET:
            field_dict["Parameter68.Name"] = parameter_68_name
        if parameter_68_value is not UNSET:
            field_dict["Parameter68.Value"] = parameter_68_value
        if parameter_69_name is not UNSET:
            field_dict["Parameter69.Name"] = parameter_69_name
        if parameter_69_value is not UNSET:
            field_dict["Parameter69.Value"] = parameter_69_value
        if parameter_70_name is not UNSET:
            field_dict["Parameter70.Name"] = parameter_70_name
        if parameter_70_value is not UNSET:
            field_dict["Parameter70.Value"] = parameter_70_value
        if parameter_71_name is not UNSET:
            field_dict["Parameter71.Name"] = parameter_71_name
        if parameter_71_value is not UNSET:
            field_dict["Parameter71.Value"] = parameter_71_value
        if parameter_72_name is not UNSET:
            field_dict["Parameter72.Name"] = parameter_72_name
        if parameter_72_value is not UNSET:
            field_dict["Parameter72.Value"] = parameter_72_value
        if parameter_73_name is not UNSET:
            field_dict["Parameter73.Name"] = parameter_73_name
        if parameter_73_value is not UNSET:
            field_dict["Parameter73.Value"] = parameter_73_value
        if parameter_74_name is not UNSET:
            field_dict["Parameter74.Name"] = parameter_74_name
        if parameter_74_value is not UNSET:
            field_dict["Parameter74.Value"] = parameter_74_value
        if parameter_75_name is not UNSET:
            field_dict["Parameter75.Name"] = parameter_75_name
        if parameter_75_value is not UNSET:
            field_dict["Parameter75.Value"] = parameter_75_value
        if parameter_76_name is not UNSET:
            field_dict["Parameter76.Name"] = parameter_76_name
        if parameter_76_value is not UNSET:
            field_dict["Parameter76.Value"] = parameter_76_value
        if parameter_77_name is not UNSET:
            field_dict["Parameter77.Name"] = parameter_77_name
        if parameter_77_value is not UNSET:
            field_dict["Parameter77.Value"] = parameter_77_value
        if parameter_78_name is not UNSET:
            field_dict["Parameter78.Name"] = parameter_78_name
        if parameter_78_value is not UNSET:
            field_dict["Parameter78.Value"] = parameter_78_value
        if parameter_79_name is not UNSET:
            field_dict["Parameter79.Name"] = parameter_79_name
        if parameter_79_value is not UNSET:
            field_dict["Parameter79.Value"] = parameter_79_value
        if parameter_80_name is not UNSET:
            field_dict["Parameter80.Name"] = parameter_80_name
        if parameter_80_value is not UNSET:
            field_dict["Parameter80.Value"] = parameter_80_value
        if parameter_81_name is not UNSET:
            field_dict["Parameter81.Name"] = parameter_81_name
        if parameter_81_value is not UNSET:
            field_dict["Parameter81.Value"] = parameter_81_value
        if parameter_82_name is not UNSET:
            field_dict["Parameter82.Name"] = parameter_82_name
        if parameter_82_value is not UNSET:
            field_dict["Parameter82.Value"] = parameter_82_value
        if parameter_83_name is not UNSET:
            field_dict["Parameter83.Name"] = parameter_83_name
        if parameter_83_value is not UNSET:
            field_dict["Parameter83.Value"] = parameter_83_value
        if parameter_84_name is not UNSET:
            field_dict["Parameter84.Name"] = parameter_84_name
        if parameter_84_value is not UNSET:
            field_dict["Parameter84.Value"] = parameter_84_value
        if parameter_85_name is not UNSET:
            field_dict["Parameter85.Name"] = parameter_85_name
        if parameter_85_value is not UNSET:
            field_dict["Parameter85.Value"] = parameter_85_value
        if parameter_86_name is not UNSET:
            field_dict["Parameter86.Name"] = parameter_86_name
        if parameter_86_value is not UNSET:
            field_dict["Parameter86.Value"] = parameter_86_value
        if parameter_87_name is not UNSET:
            field_dict["Parameter87.Name"] = parameter_87_name
        if parameter_87_value is not UNSET:
            field_dict["Parameter87.Value"] = parameter_87_value
        if parameter_88_name is not UNSET:
            field_dict["Parameter88.Name"] = parameter_88_name
        if parameter_88_value is not UNSET:
            field_dict["Parameter88.Value"] = parameter_88_value
        if parameter_89_name is not UNSET:
            field_dict["Parameter89.Name"] = parameter_89_name
        if parameter_89_value is not UNSET:
            field_dict["Parameter89.Value"] = parameter_89_value
        if parameter_90_name is not UNSET:
            field_dict["Parameter90.Name"] = parameter_90_name
        if parameter_90_value is not UNSET:
            field_dict["Parameter90.Value"] = parameter_90_value
        if parameter_91_name is not UNSET:
            field_dict["Parameter91.Name"] = parameter_91_name
        if parameter_91_value is not UNSET:
            field_dict["Parameter91.Value"] = parameter_91_value
        if parameter_92_name is not UNSET:
            field_dict["Parameter92.Name"] = parameter_92_name
        if parameter_92_value is not UNSET:
            field_dict["Parameter92.Value"] = parameter_92_value
        if parameter_93_name is not UNSET:
            field_dict["Parameter93.Name"] = parameter_93_name
        if parameter_93_value is not UNSET:
            field_dict["Parameter93.Value"] = parameter_93_value
        if parameter_94_name is not UNSET:
            field_dict["Parameter94.Name"] = parameter_94_name
        if parameter_94_value is not UNSET:
            field_dict["Parameter94.Value"] = parameter_94_value
        if parameter_95_name is not UNSET:
            field_dict["Parameter95.Name"] = parameter_95_name
        if parameter_95_value is not UNSET:
            field_dict["Parameter95.Value"] = parameter_95_value
        if parameter_96_name is not UNSET:
            field_dict["Parameter96.Name"] = parameter_96_name
        if parameter_96_value is not UNSET:
            field_dict["Parameter96.Value"] = parameter_96_value
        if parameter_97_name is not UNSET:
            field_dict["Parameter97.Name"] = parameter_97_name
        if parameter_97_value is not UNSET:
            field_dict["Parameter97.Value"] = parameter_97_value
        if parameter_98_name is not UNSET:
            field_dict["Parameter98.Name"] = parameter_98_name
        if parameter_98_value is not UNSET:
            field_dict["Parameter98.Value"] = parameter_98_value
        if parameter_99_name is not UNSET:
            field_dict["Parameter99.Name"] = parameter_99_name
        if parameter_99_value is not UNSET:
            field_dict["Parameter99.Value"] = parameter_99_value

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        # JSON of another shape (a list, a string...) must not reach dict(): dict([["sid", 1]]) succeeds.
        if not isinstance(src_dict, Mapping):
            raise TypeError("expected a JSON object, got " + type(src_dict).__name__)
        d = dict(src_dict)
        url = d.pop("Url")
        if not isinstance(url, str):
            raise TypeError("Url: expected a string, got " + type(url).__name__)

        name = d.pop("Name", UNSET)
        if not isinstance(name, str | Unset):
            raise TypeError("Name: expected a string, got " + type(name).__name__)

        _track = d.pop("Track", UNSET)
        track: StreamTrack | Unset
        if isinstance(_track, Unset):
            track = UNSET
        else:
            track = check_stream_track(_track)

        status_callback = d.pop("StatusCallback", UNSET)
        if not isinstance(status_callback, str | Unset):
            raise TypeError("StatusCallback: expected a string, got " + type(status_callback).__name__)

        _status_callback_method = d.pop("StatusCallbackMethod", UNSET)
        status_callback_method: StreamStatusCallbackMethod | Unset
        if isinstance(_status_callback_method, Unset):
            status_callback_method = UNSET
        else:
            status_callback_method = check_stream_status_callback_method(_status_callback_method)

        parameter_1_name = d.pop("Parameter1.Name", UNSET)
        if not isinstance(parameter_1_name, str | Unset):
            raise TypeError("Parameter1.Name: expected a string, got " + type(parameter_1_name).__name__)

        parameter_1_value = d.pop("Parameter1.Value", UNSET)
        if not isinstance(parameter_1_value, str | Unset):
            raise TypeError("Parameter1.Value: expected a string, got " + type(parameter_1_value).__name__)

        parameter_2_name = d.pop("Parameter2.Name", UNSET)
        if not isinstance(parameter_2_name, str | Unset):
            raise TypeError("Parameter2.Name: expected a string, got " + type(parameter_2_name).__name__)

        parameter_2_value = d.pop("Parameter2.Value", UNSET)
        if not isinstance(parameter_2_value, str | Unset):
            raise TypeError("Parameter2.Value: expected a string, got " + type(parameter_2_value).__name__)

        parameter_3_name = d.pop("Parameter3.Name", UNSET)
        if not isinstance(parameter_3_name, str | Unset):
            raise TypeError("Parameter3.Name: expected a string, got " + type(parameter_3_name).__name__)

        parameter_3_value = d.pop("Parameter3.Value", UNSET)
        if not isinstance(parameter_3_value, str | Unset):
            raise TypeError("Parameter3.Value: expected a string, got " + type(parameter_3_value).__name__)

        parameter_4_name = d.pop("Parameter4.Name", UNSET)
        if not isinstance(parameter_4_name, str | Unset):
            raise TypeError("Parameter4.Name: expected a string, got " + type(parameter_4_name).__name__)

        parameter_4_value = d.pop("Parameter4.Value", UNSET)
        if not isinstance(parameter_4_value, str | Unset):
            raise TypeError("Parameter4.Value: expected a string, got " + type(parameter_4_value).__name__)

        parameter_5_name = d.pop("Parameter5.Name", UNSET)
        if not isinstance(parameter_5_name, str | Unset):
            raise TypeError("Parameter5.Name: expected a string, got " + type(parameter_5_name).__name__)

        parameter_5_value = d.pop("Parameter5.Value", UNSET)
        if not isinstance(parameter_5_value, str | Unset):
            raise TypeError("Parameter5.Value: expected a string, got " + type(parameter_5_value).__name__)

        parameter_6_name = d.pop("Parameter6.Name", UNSET)
        if not isinstance(parameter_6_name, str | Unset):
            raise TypeError("Parameter6.Name: expected a string, got " + type(parameter_6_name).__name__)

        parameter_6_value = d.pop("Parameter6.Value", UNSET)
        if not isinstance(parameter_6_value, str | Unset):
            raise TypeError("Parameter6.Value: expected a string, got " + type(parameter_6_value).__name__)

        parameter_7_name = d.pop("Parameter7.Name", UNSET)
        if not isinstance(parameter_7_name, str | Unset):
            raise TypeError("Parameter7.Name: expected a string, got " + type(parameter_7_name).__name__)

        parameter_7_value = d.pop("Parameter7.Value", UNSET)
        if not isinstance(parameter_7_value, str | Unset):
            raise TypeError("Parameter7.Value: expected a string, got " + type(parameter_7_value).__name__)

        parameter_8_name = d.pop("Parameter8.Name", UNSET)
        if not isinstance(parameter_8_name, str | Unset):
            raise TypeError("Parameter8.Name: expected a string, got " + type(parameter_8_name).__name__)

        parameter_8_value = d.pop("Parameter8.Value", UNSET)
        if not isinstance(parameter_8_value, str | Unset):
            raise TypeError("Parameter8.Value: expected a string, got " + type(parameter_8_value).__name__)

        parameter_9_name = d.pop("Parameter9.Name", UNSET)
        if not isinstance(parameter_9_name, str | Unset):
            raise TypeError("Parameter9.Name: expected a string, got " + type(parameter_9_name).__name__)

        parameter_9_value = d.pop("Parameter9.Value", UNSET)
        if not isinstance(parameter_9_value, str | Unset):
            raise TypeError("Parameter9.Value: expected a string, got " + type(parameter_9_value).__name__)

        parameter_10_name = d.pop("Parameter10.Name", UNSET)
        if not isinstance(parameter_10_name, str | Unset):
            raise TypeError("Parameter10.Name: expected a string, got " + type(parameter_10_name).__name__)

        parameter_10_value = d.pop("Parameter10.Value", UNSET)
        if not isinstance(parameter_10_value, str | Unset):
            raise TypeError("Parameter10.Value: expected a string, got " + type(parameter_10_value).__name__)

        parameter_11_name = d.pop("Parameter11.Name", UNSET)
        if not isinstance(parameter_11_name, str | Unset):
            raise TypeError("Parameter11.Name: expected a string, got " + type(parameter_11_name).__name__)

        parameter_11_value = d.pop("Parameter11.Value", UNSET)
        if not isinstance(parameter_11_value, str | Unset):
            raise TypeError("Parameter11.Value: expected a string, got " + type(parameter_11_value).__name__)

        parameter_12_name = d.pop("Parameter12.Name", UNSET)
        if not isinstance(parameter_12_name, str | Unset):
            raise TypeError("Parameter12.Name: expected a string, got " + type(parameter_12_name).__name__)

        parameter_12_value = d.pop("Parameter12.Value", UNSET)
        if not isinstance(parameter_12_value, str | Unset):
            raise TypeError("Parameter12.Value: expected a string, got " + type(parameter_12_value).__name__)

        parameter_13_name = d.pop("Parameter13.Name", UNSET)
        if not isinstance(parameter_13_name, str | Unset):
            raise TypeError("Parameter13.Name: expected a string, got " + type(parameter_13_name).__name__)

        parameter_13_value = d.pop("Parameter13.Value", UNSET)
        if not isinstance(parameter_13_value, str | Unset):
            raise TypeError("Parameter13.Value: expected a string, got " + type(parameter_13_value).__name__)

        parameter_14_name = d.pop("Parameter14.Name", UNSET)
        if not isinstance(parameter_14_name, str | Unset):
            raise TypeError("Parameter14.Name: expected a string, got " + type(parameter_14_name).__name__)

        parameter_14_value = d.pop("Parameter14.Value", UNSET)
        if not isinstance(parameter_14_value, str | Unset):
            raise TypeError("Parameter14.Value: expected a string, got " + type(parameter_14_value).__name__)

        parameter_15_name = d.pop("Parameter15.Name", UNSET)
        if not isinstance(parameter_15_name, str | Unset):
            raise TypeError("Parameter15.Name: expected a string, got " + type(parameter_15_name).__name__)

        parameter_15_value = d.pop("Parameter15.Value", UNSET)
        if not isinstance(parameter_15_value, str | Unset):
            raise TypeError("Parameter15.Value: expected a string, got " + type(parameter_15_value).__name__)

        parameter_16_name = d.pop("Parameter16.Name", UNSET)
        if not isinstance(parameter_16_name, str | Unset):
            raise TypeError("Parameter16.Name: expected a string, got " + type(parameter_16_name).__name__)

        parameter_16_value = d.pop("Parameter16.Value", UNSET)
        if not isinstance(parameter_16_value, str | Unset):
            raise TypeError("Parameter16.Value: expected a string, got " + type(parameter_16_value).__name__)

        parameter_17_name = d.pop("Parameter17.Name", UNSET)
        if not isinstance(parameter_17_name, str | Unset):
            raise TypeError("Parameter17.Name: expected a string, got " + type(parameter_17_name).__name__)

        parameter_17_value = d.pop("Parameter17.Value", UNSET)
        if not isinstance(parameter_17_value, str | Unset):
            raise TypeError("Parameter17.Value: expected a string, got " + type(parameter_17_value).__name__)

        parameter_18_name = d.pop("Parameter18.Name", UNSET)
        if not isinstance(parameter_18_name, str | Unset):
            raise TypeError("Parameter18.Name: expected a string, got " + type(parameter_18_name).__name__)

        parameter_18_value = d.pop("Parameter18.Value", UNSET)
        if not isinstance(parameter_18_value, str | Unset):
            raise TypeError("Parameter18.Value: expected a string, got " + type(parameter_18_value).__name__)

        parameter_19_name = d.pop("Parameter19.Name", UNSET)
        if not isinstance(parameter_19_name, str | Unset):
            raise TypeError("Parameter19.Name: expected a string, got " + type(parameter_19_name).__name__)

        parameter_19_value = d.pop("Parameter19.Value", UNSET)
        if not isinstance(parameter_19_value, str | Unset):
            raise TypeError("Parameter19.Value: expected a string, got " + type(parameter_19_value).__name__)

        parameter_20_name = d.pop("Parameter20.Name", UNSET)
        if not isinstance(parameter_20_name, str | Unset):
            raise TypeError("Parameter20.Name: expected a string, got " + type(parameter_20_name).__name__)

        parameter_20_value = d.pop("Parameter20.Value", UNSET)
        if not isinstance(parameter_20_value, str | Unset):
            raise TypeError("Parameter20.Value: expected a string, got " + type(parameter_20_value).__name__)

        parameter_21_name = d.pop("Parameter21.Name", UNSET)
        if not isinstance(parameter_21_name, str | Unset):
            raise TypeError("Parameter21.Name: expected a string, got " + type(parameter_21_name).__name__)

        parameter_21_value = d.pop("Parameter21.Value", UNSET)
        if not isinstance(parameter_21_value, str | Unset):
            raise TypeError("Parameter21.Value: expected a string, got " + type(parameter_21_value).__name__)

        parameter_22_name = d.pop("Parameter22.Name", UNSET)
        if not isinstance(parameter_22_name, str | Unset):
            raise TypeError("Parameter22.Name: expected a string, got " + type(parameter_22_name).__name__)

        parameter_22_value = d.pop("Parameter22.Value", UNSET)
        if not isinstance(parameter_22_value, str | Unset):
            raise TypeError("Parameter22.Value: expected a string, got " + type(parameter_22_value).__name__)

        parameter_23_name = d.pop("Parameter23.Name", UNSET)
        if not isinstance(parameter_23_name, str | Unset):
            raise TypeError("Parameter23.Name: expected a string, got " + type(parameter_23_name).__name__)

        parameter_23_value = d.pop("Parameter23.Value", UNSET)
        if not isinstance(parameter_23_value, str | Unset):
            raise TypeError("Parameter23.Value: expected a string, got " + type(parameter_23_value).__name__)

        parameter_24_name = d.pop("Parameter24.Name", UNSET)
        if not isinstance(parameter_24_name, str | Unset):
            raise TypeError("Parameter24.Name: expected a string, got " + type(parameter_24_name).__name__)

        parameter_24_value = d.pop("Parameter24.Value", UNSET)
        if not isinstance(parameter_24_value, str | Unset):
            raise TypeError("Parameter24.Value: expected a string, got " + type(parameter_24_value).__name__)

        parameter_25_name = d.pop("Parameter25.Name", UNSET)
        if not isinstance(parameter_25_name, str | Unset):
            raise TypeError("Parameter25.Name: expected a string, got " + type(parameter_25_name).__name__)

        parameter_25_value = d.pop("Parameter25.Value", UNSET)
        if not isinstance(parameter_25_value, str | Unset):
            raise TypeError("Parameter25.Value: expected a string, got " + type(parameter_25_value).__name__)

        parameter_26_name = d.pop("Parameter26.Name", UNSET)
        if not isinstance(parameter_26_name, str | Unset):
            raise TypeError("Parameter26.Name: expected a string, got " + type(parameter_26_name).__name__)

        parameter_26_value = d.pop("Parameter26.Value", UNSET)
        if not isinstance(parameter_26_value, str | Unset):
            raise TypeError("Parameter26.Value: expected a string, got " + type(parameter_26_value).__name__)

        parameter_27_name = d.pop("Parameter27.Name", UNSET)
        if not isinstance(parameter_27_name, str | Unset):
            raise TypeError("Parameter27.Name: expected a string, got " + type(parameter_27_name).__name__)

        parameter_27_value = d.pop("Parameter27.Value", UNSET)
        if not isinstance(parameter_27_value, str | Unset):
            raise TypeError("Parameter27.Value: expected a string, got " + type(parameter_27_value).__name__)

        parameter_28_name = d.pop("Parameter28.Name", UNSET)
        if not isinstance(parameter_28_name, str | Unset):
            raise TypeError("Parameter28.Name: expected a string, got " + type(parameter_28_name).__name__)

        parameter_28_value = d.pop("Parameter28.Value", UNSET)
        if not isinstance(parameter_28_value, str | Unset):
            raise TypeError("Parameter28.Value: expected a string, got " + type(parameter_28_value).__name__)

        parameter_29_name = d.pop("Parameter29.Name", UNSET)
        if not isinstance(parameter_29_name, str | Unset):
            raise TypeError("Parameter29.Name: expected a string, got " + type(parameter_29_name).__name__)

        parameter_29_value = d.pop("Parameter29.Value", UNSET)
        if not isinstance(parameter_29_value, str | Unset):
            raise TypeError("Parameter29.Value: expected a string, got " + type(parameter_29_value).__name__)

        parameter_30_name = d.pop("Parameter30.Name", UNSET)
        if not isinstance(parameter_30_name, str | Unset):
            raise TypeError("Parameter30.Name: expected a string, got " + type(parameter_30_name).__name__)

        parameter_30_value = d.pop("Parameter30.Value", UNSET)
        if not isinstance(parameter_30_value, str | Unset):
            raise TypeError("Parameter30.Value: expected a string, got " + type(parameter_30_value).__name__)

        parameter_31_name = d.pop("Parameter31.Name", UNSET)
        if not isinstance(parameter_31_name, str | Unset):
            raise TypeError("Parameter31.Name: expected a string, got " + type(parameter_31_name).__name__)

        parameter_31_value = d.pop("Parameter31.Value", UNSET)
        if not isinstance(parameter_31_value, str | Unset):
            raise TypeError("Parameter31.Value: expected a string, got " + type(parameter_31_value).__name__)

        parameter_32_name = d.pop("Parameter32.Name", UNSET)
        if not isinstance(parameter_32_name, str | Unset):
            raise TypeError("Parameter32.Name: expected a string, got " + type(parameter_32_name).__name__)

        parameter_32_value = d.pop("Parameter32.Value", UNSET)
        if not isinstance(parameter_32_value, str | Unset):
            raise TypeError("Parameter32.Value: expected a string, got " + type(parameter_32_value).__name__)

        parameter_33_name = d.pop("Parameter33.Name", UNSET)
        if not isinstance(parameter_33_name, str | Unset):
            raise TypeError("Parameter33.Name: expected a string, got " + type(parameter_33_name).__name__)

        parameter_33_value = d.pop("Parameter33.Value", UNSET)
        if not isinstance(parameter_33_value, str | Unset):
            raise TypeError("Parameter33.Value: expected a string, got " + type(parameter_33_value).__name__)

        parameter_34_name = d.pop("Parameter34.Name", UNSET)
        if not isinstance(parameter_34_name, str | Unset):
            raise TypeError("Parameter34.Name: expected a string, got " + type(parameter_34_name).__name__)

        parameter_34_value = d.pop("Parameter34.Value", UNSET)
        if not isinstance(parameter_34_value, str | Unset):
            raise TypeError("Parameter34.Value: expected a string, got " + type(parameter_34_value).__name__)

        parameter_35_name = d.pop("Parameter35.Name", UNSET)
        if not isinstance(parameter_35_name, str | Unset):
            raise TypeError("Parameter35.Name: expected a string, got " + type(parameter_35_name).__name__)

        parameter_35_value = d.pop("Parameter35.Value", UNSET)
        if not isinstance(parameter_35_value, str | Unset):
            raise TypeError("Parameter35.Value: expected a string, got " + type(parameter_35_value).__name__)

        parameter_36_name = d.pop("Parameter36.Name", UNSET)
        if not isinstance(parameter_36_name, str | Unset):
            raise TypeError("Parameter36.Name: expected a string, got " + type(parameter_36_name).__name__)

        parameter_36_value = d.pop("Parameter36.Value", UNSET)
        if not isinstance(parameter_36_value, str | Unset):
            raise TypeError("Parameter36.Value: expected a string, got " + type(parameter_36_value).__name__)

        parameter_37_name = d.pop("Parameter37.Name", UNSET)
        if not isinstance(parameter_37_name, str | Unset):
            raise TypeError("Parameter37.Name: expected a string, got " + type(parameter_37_name).__name__)

        parameter_37_value = d.pop("Parameter37.Value", UNSET)
        if not isinstance(parameter_37_value, str | Unset):
            raise TypeError("Parameter37.Value: expected a string, got " + type(parameter_37_value).__name__)

        parameter_38_name = d.pop("Parameter38.Name", UNSET)
        if not isinstance(parameter_38_name, str | Unset):
            raise TypeError("Parameter38.Name: expected a string, got " + type(parameter_38_name).__name__)

        parameter_38_value = d.pop("Parameter38.Value", UNSET)
        if not isinstance(parameter_38_value, str | Unset):
            raise TypeError("Parameter38.Value: expected a string, got " + type(parameter_38_value).__name__)

        parameter_39_name = d.pop("Parameter39.Name", UNSET)
        if not isinstance(parameter_39_name, str | Unset):
            raise TypeError("Parameter39.Name: expected a string, got " + type(parameter_39_name).__name__)

        parameter_39_value = d.pop("Parameter39.Value", UNSET)
        if not isinstance(parameter_39_value, str | Unset):
            raise TypeError("Parameter39.Value: expected a string, got " + type(parameter_39_value).__name__)

        parameter_40_name = d.pop("Parameter40.Name", UNSET)
        if not isinstance(parameter_40_name, str | Unset):
            raise TypeError("Parameter40.Name: expected a string, got " + type(parameter_40_name).__name__)

        parameter_40_value = d.pop("Parameter40.Value", UNSET)
        if not isinstance(parameter_40_value, str | Unset):
            raise TypeError("Parameter40.Value: expected a string, got " + type(parameter_40_value).__name__)

        parameter_41_name = d.pop("Parameter41.Name", UNSET)
        if not isinstance(parameter_41_name, str | Unset):
            raise TypeError("Parameter41.Name: expected a string, got " + type(parameter_41_name).__name__)

        parameter_41_value = d.pop("Parameter41.Value", UNSET)
        if not isinstance(parameter_41_value, str | Unset):
            raise TypeError("Parameter41.Value: expected a string, got " + type(parameter_41_value).__name__)

        parameter_42_name = d.pop("Parameter42.Name", UNSET)
        if not isinstance(parameter_42_name, str | Unset):
            raise TypeError("Parameter42.Name: expected a string, got " + type(parameter_42_name).__name__)

        parameter_42_value = d.pop("Parameter42.Value", UNSET)
        if not isinstance(parameter_42_value, str | Unset):
            raise TypeError("Parameter42.Value: expected a string, got " + type(parameter_42_value).__name__)

        parameter_43_name = d.pop("Parameter43.Name", UNSET)
        if not isinstance(parameter_43_name, str | Unset):
            raise TypeError("Parameter43.Name: expected a string, got " + type(parameter_43_name).__name__)

        parameter_43_value = d.pop("Parameter43.Value", UNSET)
        if not isinstance(parameter_43_value, str | Unset):
            raise TypeError("Parameter43.Value: expected a string, got " + type(parameter_43_value).__name__)

        parameter_44_name = d.pop("Parameter44.Name", UNSET)
        if not isinstance(parameter_44_name, str | Unset):
            raise TypeError("Parameter44.Name: expected a string, got " + type(parameter_44_name).__name__)

        parameter_44_value = d.pop("Parameter44.Value", UNSET)
        if not isinstance(parameter_44_value, str | Unset):
            raise TypeError("Parameter44.Value: expected a string, got " + type(parameter_44_value).__name__)

        parameter_45_name = d.pop("Parameter45.Name", UNSET)
        if not isinstance(parameter_45_name, str | Unset):
            raise TypeError("Parameter45.Name: expected a string, got " + type(parameter_45_name).__name__)

        parameter_45_value = d.pop("Parameter45.Value", UNSET)
        if not isinstance(parameter_45_value, str | Unset):
            raise TypeError("Parameter45.Value: expected a string, got " + type(parameter_45_value).__name__)

        parameter_46_name = d.pop("Parameter46.Name", UNSET)
        if not isinstance(parameter_46_name, str | Unset):
            raise TypeError("Parameter46.Name: expected a string, got " + type(parameter_46_name).__name__)

        parameter_46_value = d.pop("Parameter46.Value", UNSET)
        if not isinstance(parameter_46_value, str | Unset):
            raise TypeError("Parameter46.Value: expected a string, got " + type(parameter_46_value).__name__)

        parameter_47_name = d.pop("Parameter47.Name", UNSET)
        if not isinstance(parameter_47_name, str | Unset):
            raise TypeError("Parameter47.Name: expected a string, got " + type(parameter_47_name).__name__)

        parameter_47_value = d.pop("Parameter47.Value", UNSET)
        if not isinstance(parameter_47_value, str | Unset):
            raise TypeError("Parameter47.Value: expected a string, got " + type(parameter_47_value).__name__)

        parameter_48_name = d.pop("Parameter48.Name", UNSET)
        if not isinstance(parameter_48_name, str | Unset):
            raise TypeError("Parameter48.Name: expected a string, got " + type(parameter_48_name).__name__)

        parameter_48_value = d.pop("Parameter48.Value", UNSET)
        if not isinstance(parameter_48_value, str | Unset):
            raise TypeError("Parameter48.Value: expected a string, got " + type(parameter_48_value).__name__)

        parameter_49_name = d.pop("Parameter49.Name", UNSET)
        if not isinstance(parameter_49_name, str | Unset):
            raise TypeError("Parameter49.Name: expected a string, got " + type(parameter_49_name).__name__)

        parameter_49_value = d.pop("Parameter49.Value", UNSET)
        if not isinstance(parameter_49_value, str | Unset):
            raise TypeError("Parameter49.Value: expected a string, got " + type(parameter_49_value).__name__)

        parameter_50_name = d.pop("Parameter50.Name", UNSET)
        if not isinstance(parameter_50_name, str | Unset):
            raise TypeError("Parameter50.Name: expected a string, got " + type(parameter_50_name).__name__)

        parameter_50_value = d.pop("Parameter50.Value", UNSET)
        if not isinstance(parameter_50_value, str | Unset):
            raise TypeError("Parameter50.Value: expected a string, got " + type(parameter_50_value).__name__)

        parameter_51_name = d.pop("Parameter51.Name", UNSET)
        if not isinstance(parameter_51_name, str | Unset):
            raise TypeError("Parameter51.Name: expected a string, got " + type(parameter_51_name).__name__)

        parameter_51_value = d.pop("Parameter51.Value", UNSET)
        if not isinstance(parameter_51_value, str | Unset):
            raise TypeError("Parameter51.Value: expected a string, got " + type(parameter_51_value).__name__)

        parameter_52_name = d.pop("Parameter52.Name", UNSET)
        if not isinstance(parameter_52_name, str | Unset):
            raise TypeError("Parameter52.Name: expected a string, got " + type(parameter_52_name).__name__)

        parameter_52_value = d.pop("Parameter52.Value", UNSET)
        if not isinstance(parameter_52_value, str | Unset):
            raise TypeError("Parameter52.Value: expected a string, got " + type(parameter_52_value).__name__)

        parameter_53_name = d.pop("Parameter53.Name", UNSET)
        if not isinstance(parameter_53_name, str | Unset):
            raise TypeError("Parameter53.Name: expected a string, got " + type(parameter_53_name).__name__)

        parameter_53_value = d.pop("Parameter53.Value", UNSET)
        if not isinstance(parameter_53_value, str | Unset):
            raise TypeError("Parameter53.Value: expected a string, got " + type(parameter_53_value).__name__)

        parameter_54_name = d.pop("Parameter54.Name", UNSET)
        if not isinstance(parameter_54_name, str | Unset):
            raise TypeError("Parameter54.Name: expected a string, got " + type(parameter_54_name).__name__)

        parameter_54_value = d.pop("Parameter54.Value", UNSET)
        if not isinstance(parameter_54_value, str | Unset):
            raise TypeError("Parameter54.Value: expected a string, got " + type(parameter_54_value).__name__)

        parameter_55_name = d.pop("Parameter55.Name", UNSET)
        if not isinstance(parameter_55_name, str | Unset):
            raise TypeError("Parameter55.Name: expected a string, got " + type(parameter_55_name).__name__)

        parameter_55_value = d.pop("Parameter55.Value", UNSET)
        if not isinstance(parameter_55_value, str | Unset):
            raise TypeError("Parameter55.Value: expected a string, got " + type(parameter_55_value).__name__)

        parameter_56_name = d.pop("Parameter56.Name", UNSET)
        if not isinstance(parameter_56_name, str | Unset):
            raise TypeError("Parameter56.Name: expected a string, got " + type(parameter_56_name).__name__)

        parameter_56_value = d.pop("Parameter56.Value", UNSET)
        if not isinstance(parameter_56_value, str | Unset):
            raise TypeError("Parameter56.Value: expected a string, got " + type(parameter_56_value).__name__)

        parameter_57_name = d.pop("Parameter57.Name", UNSET)
        if not isinstance(parameter_57_name, str | Unset):
            raise TypeError("Parameter57.Name: expected a string, got " + type(parameter_57_name).__name__)

        parameter_57_value = d.pop("Parameter57.Value", UNSET)
        if not isinstance(parameter_57_value, str | Unset):
            raise TypeError("Parameter57.Value: expected a string, got " + type(parameter_57_value).__name__)

        parameter_58_name = d.pop("Parameter58.Name", UNSET)
        if not isinstance(parameter_58_name, str | Unset):
            raise TypeError("Parameter58.Name: expected a string, got " + type(parameter_58_name).__name__)

        parameter_58_value = d.pop("Parameter58.Value", UNSET)
        if not isinstance(parameter_58_value, str | Unset):
            raise TypeError("Parameter58.Value: expected a string, got " + type(parameter_58_value).__name__)

        parameter_59_name = d.pop("Parameter59.Name", UNSET)
        if not isinstance(parameter_59_name, str | Unset):
            raise TypeError("Parameter59.Name: expected a string, got " + type(parameter_59_name).__name__)

        parameter_59_value = d.pop("Parameter59.Value", UNSET)
        if not isinstance(parameter_59_value, str | Unset):
            raise TypeError("Parameter59.Value: expected a string, got " + type(parameter_59_value).__name__)

        parameter_60_name = d.pop("Parameter60.Name", UNSET)
        if not isinstance(parameter_60_name, str | Unset):
            raise TypeError("Parameter60.Name: expected a string, got " + type(parameter_60_name).__name__)

        parameter_60_value = d.pop("Parameter60.Value", UNSET)
        if not isinstance(parameter_60_value, str | Unset):
            raise TypeError("Parameter60.Value: expected a string, got " + type(parameter_60_value).__name__)

        parameter_61_name = d.pop("Parameter61.Name", UNSET)
        if not isinstance(parameter_61_name, str | Unset):
            raise TypeError("Parameter61.Name: expected a string, got " + type(parameter_61_name).__name__)

        parameter_61_value = d.pop("Parameter61.Value", UNSET)
        if not isinstance(parameter_61_value, str | Unset):
            raise TypeError("Parameter61.Value: expected a string, got " + type(parameter_61_value).__name__)

        parameter_62_name = d.pop("Parameter62.Name", UNSET)
        if not isinstance(parameter_62_name, str | Unset):
            raise TypeError("Parameter62.Name: expected a string, got " + type(parameter_62_name).__name__)

        parameter_62_value = d.pop("Parameter62.Value", UNSET)
        if not isinstance(parameter_62_value, str | Unset):
            raise TypeError("Parameter62.Value: expected a string, got " + type(parameter_62_value).__name__)

        parameter_63_name = d.pop("Parameter63.Name", UNSET)
        if not isinstance(parameter_63_name, str | Unset):
            raise TypeError("Parameter63.Name: expected a string, got " + type(parameter_63_name).__name__)

        parameter_63_value = d.pop("Parameter63.Value", UNSET)
        if not isinstance(parameter_63_value, str | Unset):
            raise TypeError("Parameter63.Value: expected a string, got " + type(parameter_63_value).__name__)

        parameter_64_name = d.pop("Parameter64.Name", UNSET)
        if not isinstance(parameter_64_name, str | Unset):
            raise TypeError("Parameter64.Name: expected a string, got " + type(parameter_64_name).__name__)

        parameter_64_value = d.pop("Parameter64.Value", UNSET)
        if not isinstance(parameter_64_value, str | Unset):
            raise TypeError("Parameter64.Value: expected a string, got " + type(parameter_64_value).__name__)

        parameter_65_name = d.pop("Parameter65.Name", UNSET)
        if not isinstance(parameter_65_name, str | Unset):
            raise TypeError("Parameter65.Name: expected a string, got " + type(parameter_65_name).__name__)

        parameter_65_value = d.pop("Parameter65.Value", UNSET)
        if not isinstance(parameter_65_value, str | Unset):
            raise TypeError("Parameter65.Value: expected a string, got " + type(parameter_65_value).__name__)

        parameter_66_name = d.pop("Parameter66.Name", UNSET)
        if not isinstance(parameter_66_name, str | Unset):
            raise TypeError("Parameter66.Name: expected a string, got " + type(parameter_66_name).__name__)

        parameter_66_value = d.pop("Parameter66.Value", UNSET)
        if not isinstance(parameter_66_value, str | Unset):
            raise TypeError("Parameter66.Value: expected a string, got " + type(parameter_66_value).__name__)

        parameter_67_name = d.pop("Parameter67.Name", UNSET)
        if not isinstance(parameter_67_name, str | Unset):
            raise TypeError("Parameter67.Name: expected a string, got " + type(parameter_67_name).__name__)

        parameter_67_value = d.pop("Parameter67.Value", UNSET)
        if not isinstance(parameter_67_value, str | Unset):
            raise TypeError("Parameter67.Value: expected a string, got " + type(parameter_67_value).__name__)

        parameter_68_name = d.pop("Parameter68.Name", UNSET)
        if not isinstance(parameter_68_name, str | Unset):
            raise TypeError("Parameter68.Name: expected a string, got " + type(parameter_68_name).__name__)

        parameter_68_value = d.pop("Parameter68.Value", UNSET)
        if not isinstance(parameter_68_value, str | Unset):
            raise TypeError("Parameter68.Value: expected a string, got " + type(parameter_68_value).__name__)

        parameter_69_name = d.pop("Parameter69.Name", UNSET)
        if not isinstance(parameter_69_name, str | Unset):
            raise TypeError("Parameter69.Name: expected a string, got " + type(parameter_69_name).__name__)

        parameter_69_value = d.pop("Parameter69.Value", UNSET)
        if not isinstance(parameter_69_value, str | Unset):
            raise TypeError("Parameter69.Value: expected a string, got " + type(parameter_69_value).__name__)

        parameter_70_name = d.pop("Parameter70.Name", UNSET)
        if not isinstance(parameter_70_name, str | Unset):
            raise TypeError("Parameter70.Name: expected a string, got " + type(parameter_70_name).__name__)

        parameter_70_value = d.pop("Parameter70.Value", UNSET)
        if not isinstance(parameter_70_value, str | Unset):
            raise TypeError("Parameter70.Value: expected a string, got " + type(parameter_70_value).__name__)

        parameter_71_name = d.pop("Parameter71.Name", UNSET)
        if not isinstance(parameter_71_name, str | Unset):
            raise TypeError("Parameter71.Name: expected a string, got " + type(parameter_71_name).__name__)

        parameter_71_value = d.pop("Parameter71.Value", UNSET)
        if not isinstance(parameter_71_value, str | Unset):
            raise TypeError("Parameter71.Value: expected a string, got " + type(parameter_71_value).__name__)

        parameter_72_name = d.pop("Parameter72.Name", UNSET)
        if not isinstance(parameter_72_name, str | Unset):
            raise TypeError("Parameter72.Name: expected a string, got " + type(parameter_72_name).__name__)

        parameter_72_value = d.pop("Parameter72.Value", UNSET)
        if not isinstance(parameter_72_value, str | Unset):
            raise TypeError("Parameter72.Value: expected a string, got " + type(parameter_72_value).__name__)

        parameter_73_name = d.pop("Parameter73.Name", UNSET)
        if not isinstance(parameter_73_name, str | Unset):
            raise TypeError("Parameter73.Name: expected a string, got " + type(parameter_73_name).__name__)

        parameter_73_value = d.pop("Parameter73.Value", UNSET)
        if not isinstance(parameter_73_value, str | Unset):
            raise TypeError("Parameter73.Value: expected a string, got " + type(parameter_73_value).__name__)

        parameter_74_name = d.pop("Parameter74.Name", UNSET)
        if not isinstance(parameter_74_name, str | Unset):
            raise TypeError("Parameter74.Name: expected a string, got " + type(parameter_74_name).__name__)

        parameter_74_value = d.pop("Parameter74.Value", UNSET)
        if not isinstance(parameter_74_value, str | Unset):
            raise TypeError("Parameter74.Value: expected a string, got " + type(parameter_74_value).__name__)

        parameter_75_name = d.pop("Parameter75.Name", UNSET)
        if not isinstance(parameter_75_name, str | Unset):
            raise TypeError("Parameter75.Name: expected a string, got " + type(parameter_75_name).__name__)

        parameter_75_value = d.pop("Parameter75.Value", UNSET)
        if not isinstance(parameter_75_value, str | Unset):
            raise TypeError("Parameter75.Value: expected a string, got " + type(parameter_75_value).__name__)

        parameter_76_name = d.pop("Parameter76.Name", UNSET)
        if not isinstance(parameter_76_name, str | Unset):
            raise TypeError("Parameter76.Name: expected a string, got " + type(parameter_76_name).__name__)

        parameter_76_value = d.pop("Parameter76.Value", UNSET)
        if not isinstance(parameter_76_value, str | Unset):
            raise TypeError("Parameter76.Value: expected a string, got " + type(parameter_76_value).__name__)

        parameter_77_name = d.pop("Parameter77.Name", UNSET)
        if not isinstance(parameter_77_name, str | Unset):
            raise TypeError("Parameter77.Name: expected a string, got " + type(parameter_77_name).__name__)

        parameter_77_value = d.pop("Parameter77.Value", UNSET)
        if not isinstance(parameter_77_value, str | Unset):
            raise TypeError("Parameter77.Value: expected a string, got " + type(parameter_77_value).__name__)

        parameter_78_name = d.pop("Parameter78.Name", UNSET)
        if not isinstance(parameter_78_name, str | Unset):
            raise TypeError("Parameter78.Name: expected a string, got " + type(parameter_78_name).__name__)

        parameter_78_value = d.pop("Parameter78.Value", UNSET)
        if not isinstance(parameter_78_value, str | Unset):
            raise TypeError("Parameter78.Value: expected a string, got " + type(parameter_78_value).__name__)

        parameter_79_name = d.pop("Parameter79.Name", UNSET)
        if not isinstance(parameter_79_name, str | Unset):
            raise TypeError("Parameter79.Name: expected a string, got " + type(parameter_79_name).__name__)

        parameter_79_value = d.pop("Parameter79.Value", UNSET)
        if not isinstance(parameter_79_value, str | Unset):
            raise TypeError("Parameter79.Value: expected a string, got " + type(parameter_79_value).__name__)

        parameter_80_name = d.pop("Parameter80.Name", UNSET)
        if not isinstance(parameter_80_name, str | Unset):
            raise TypeError("Parameter80.Name: expected a string, got " + type(parameter_80_name).__name__)

        parameter_80_value = d.pop("Parameter80.Value", UNSET)
        if not isinstance(parameter_80_value, str | Unset):
            raise TypeError("Parameter80.Value: expected a string, got " + type(parameter_80_value).__name__)

        parameter_81_name = d.pop("Parameter81.Name", UNSET)
        if not isinstance(parameter_81_name, str | Unset):
            raise TypeError("Parameter81.Name: expected a string, got " + type(parameter_81_name).__name__)

        parameter_81_value = d.pop("Parameter81.Value", UNSET)
        if not isinstance(parameter_81_value, str | Unset):
            raise TypeError("Parameter81.Value: expected a string, got " + type(parameter_81_value).__name__)

        parameter_82_name = d.pop("Parameter82.Name", UNSET)
        if not isinstance(parameter_82_name, str | Unset):
            raise TypeError("Parameter82.Name: expected a string, got " + type(parameter_82_name).__name__)

        parameter_82_value = d.pop("Parameter82.Value", UNSET)
        if not isinstance(parameter_82_value, str | Unset):
            raise TypeError("Parameter82.Value: expected a string, got " + type(parameter_82_value).__name__)

        parameter_83_name = d.pop("Parameter83.Name", UNSET)
        if not isinstance(parameter_83_name, str | Unset):
            raise TypeError("Parameter83.Name: expected a string, got " + type(parameter_83_name).__name__)

        parameter_83_value = d.pop("Parameter83.Value", UNSET)
        if not isinstance(parameter_83_value, str | Unset):
            raise TypeError("Parameter83.Value: expected a string, got " + type(parameter_83_value).__name__)

        parameter_84_name = d.pop("Parameter84.Name", UNSET)
        if not isinstance(parameter_84_name, str | Unset):
            raise TypeError("Parameter84.Name: expected a string, got " + type(parameter_84_name).__name__)

        parameter_84_value = d.pop("Parameter84.Value", UNSET)
        if not isinstance(parameter_84_value, str | Unset):
            raise TypeError("Parameter84.Value: expected a string, got " + type(parameter_84_value).__name__)

        parameter_85_name = d.pop("Parameter85.Name", UNSET)
        if not isinstance(parameter_85_name, str | Unset):
            raise TypeError("Parameter85.Name: expected a string, got " + type(parameter_85_name).__name__)

        parameter_85_value = d.pop("Parameter85.Value", UNSET)
        if not isinstance(parameter_85_value, str | Unset):
            raise TypeError("Parameter85.Value: expected a string, got " + type(parameter_85_value).__name__)

        parameter_86_name = d.pop("Parameter86.Name", UNSET)
        if not isinstance(parameter_86_name, str | Unset):
            raise TypeError("Parameter86.Name: expected a string, got " + type(parameter_86_name).__name__)

        parameter_86_value = d.pop("Parameter86.Value", UNSET)
        if not isinstance(parameter_86_value, str | Unset):
            raise TypeError("Parameter86.Value: expected a string, got " + type(parameter_86_value).__name__)

        parameter_87_name = d.pop("Parameter87.Name", UNSET)
        if not isinstance(parameter_87_name, str | Unset):
            raise TypeError("Parameter87.Name: expected a string, got " + type(parameter_87_name).__name__)

        parameter_87_value = d.pop("Parameter87.Value", UNSET)
        if not isinstance(parameter_87_value, str | Unset):
            raise TypeError("Parameter87.Value: expected a string, got " + type(parameter_87_value).__name__)

        parameter_88_name = d.pop("Parameter88.Name", UNSET)
        if not isinstance(parameter_88_name, str | Unset):
            raise TypeError("Parameter88.Name: expected a string, got " + type(parameter_88_name).__name__)

        parameter_88_value = d.pop("Parameter88.Value", UNSET)
        if not isinstance(parameter_88_value, str | Unset):
            raise TypeError("Parameter88.Value: expected a string, got " + type(parameter_88_value).__name__)

        parameter_89_name = d.pop("Parameter89.Name", UNSET)
        if not isinstance(parameter_89_name, str | Unset):
            raise TypeError("Parameter89.Name: expected a string, got " + type(parameter_89_name).__name__)

        parameter_89_value = d.pop("Parameter89.Value", UNSET)
        if not isinstance(parameter_89_value, str | Unset):
            raise TypeError("Parameter89.Value: expected a string, got " + type(parameter_89_value).__name__)

        parameter_90_name = d.pop("Parameter90.Name", UNSET)
        if not isinstance(parameter_90_name, str | Unset):
            raise TypeError("Parameter90.Name: expected a string, got " + type(parameter_90_name).__name__)

        parameter_90_value = d.pop("Parameter90.Value", UNSET)
        if not isinstance(parameter_90_value, str | Unset):
            raise TypeError("Parameter90.Value: expected a string, got " + type(parameter_90_value).__name__)

        parameter_91_name = d.pop("Parameter91.Name", UNSET)
        if not isinstance(parameter_91_name, str | Unset):
            raise TypeError("Parameter91.Name: expected a string, got " + type(parameter_91_name).__name__)

        parameter_91_value = d.pop("Parameter91.Value", UNSET)
        if not isinstance(parameter_91_value, str | Unset):
            raise TypeError("Parameter91.Value: expected a string, got " + type(parameter_91_value).__name__)

        parameter_92_name = d.pop("Parameter92.Name", UNSET)
        if not isinstance(parameter_92_name, str | Unset):
            raise TypeError("Parameter92.Name: expected a string, got " + type(parameter_92_name).__name__)

        parameter_92_value = d.pop("Parameter92.Value", UNSET)
        if not isinstance(parameter_92_value, str | Unset):
            raise TypeError("Parameter92.Value: expected a string, got " + type(parameter_92_value).__name__)

        parameter_93_name = d.pop("Parameter93.Name", UNSET)
        if not isinstance(parameter_93_name, str | Unset):
            raise TypeError("Parameter93.Name: expected a string, got " + type(parameter_93_name).__name__)

        parameter_93_value = d.pop("Parameter93.Value", UNSET)
        if not isinstance(parameter_93_value, str | Unset):
            raise TypeError("Parameter93.Value: expected a string, got " + type(parameter_93_value).__name__)

        parameter_94_name = d.pop("Parameter94.Name", UNSET)
        if not isinstance(parameter_94_name, str | Unset):
            raise TypeError("Parameter94.Name: expected a string, got " + type(parameter_94_name).__name__)

        parameter_94_value = d.pop("Parameter94.Value", UNSET)
        if not isinstance(parameter_94_value, str | Unset):
            raise TypeError("Parameter94.Value: expected a string, got " + type(parameter_94_value).__name__)

        parameter_95_name = d.pop("Parameter95.Name", UNSET)
        if not isinstance(parameter_95_name, str | Unset):
            raise TypeError("Parameter95.Name: expected a string, got " + type(parameter_95_name).__name__)

        parameter_95_value = d.pop("Parameter95.Value", UNSET)
        if not isinstance(parameter_95_value, str | Unset):
            raise TypeError("Parameter95.Value: expected a string, got " + type(parameter_95_value).__name__)

        parameter_96_name = d.pop("Parameter96.Name", UNSET)
        if not isinstance(parameter_96_name, str | Unset):
            raise TypeError("Parameter96.Name: expected a string, got " + type(parameter_96_name).__name__)

        parameter_96_value = d.pop("Parameter96.Value", UNSET)
        if not isinstance(parameter_96_value, str | Unset):
            raise TypeError("Parameter96.Value: expected a string, got " + type(parameter_96_value).__name__)

        parameter_97_name = d.pop("Parameter97.Name", UNSET)
        if not isinstance(parameter_97_name, str | Unset):
            raise TypeError("Parameter97.Name: expected a string, got " + type(parameter_97_name).__name__)

        parameter_97_value = d.pop("Parameter97.Value", UNSET)
        if not isinstance(parameter_97_value, str | Unset):
            raise TypeError("Parameter97.Value: expected a string, got " + type(parameter_97_value).__name__)

        parameter_98_name = d.pop("Parameter98.Name", UNSET)
        if not isinstance(parameter_98_name, str | Unset):
            raise TypeError("Parameter98.Name: expected a string, got " + type(parameter_98_name).__name__)

        parameter_98_value = d.pop("Parameter98.Value", UNSET)
        if not isinstance(parameter_98_value, str | Unset):
            raise TypeError("Parameter98.Value: expected a string, got " + type(parameter_98_value).__name__)

        parameter_99_name = d.pop("Parameter99.Name", UNSET)
        if not isinstance(parameter_99_name, str | Unset):
            raise TypeError("Parameter99.Name: expected a string, got " + type(parameter_99_name).__name__)

        parameter_99_value = d.pop("Parameter99.Value", UNSET)
        if not isinstance(parameter_99_value, str | Unset):
            raise TypeError("Parameter99.Value: expected a string, got " + type(parameter_99_value).__name__)

        create_stream_body = cls(
            url=url,
            name=name,
            track=track,
            status_callback=status_callback,
            status_callback_method=status_callback_method,
            parameter_1_name=parameter_1_name,
            parameter_1_value=parameter_1_value,
            parameter_2_name=parameter_2_name,
            parameter_2_value=parameter_2_value,
            parameter_3_name=parameter_3_name,
            parameter_3_value=parameter_3_value,
            parameter_4_name=parameter_4_name,
            parameter_4_value=parameter_4_value,
            parameter_5_name=parameter_5_name,
            parameter_5_value=parameter_5_value,
            parameter_6_name=parameter_6_name,
            parameter_6_value=parameter_6_value,
            parameter_7_name=parameter_7_name,
            parameter_7_value=parameter_7_value,
            parameter_8_name=parameter_8_name,
            parameter_8_value=parameter_8_value,
            parameter_9_name=parameter_9_name,
            parameter_9_value=parameter_9_value,
            parameter_10_name=parameter_10_name,
            parameter_10_value=parameter_10_value,
            parameter_11_name=parameter_11_name,
            parameter_11_value=parameter_11_value,
            parameter_12_name=parameter_12_name,
            parameter_12_value=parameter_12_value,
            parameter_13_name=parameter_13_name,
            parameter_13_value=parameter_13_value,
            parameter_14_name=parameter_14_name,
            parameter_14_value=parameter_14_value,
            parameter_15_name=parameter_15_name,
            parameter_15_value=parameter_15_value,
            parameter_16_name=parameter_16_name,
            parameter_16_value=parameter_16_value,
            parameter_17_name=parameter_17_name,
            parameter_17_value=parameter_17_value,
            parameter_18_name=parameter_18_name,
            parameter_18_value=parameter_18_value,
            parameter_19_name=parameter_19_name,
            parameter_19_value=parameter_19_value,
            parameter_20_name=parameter_20_name,
            parameter_20_value=parameter_20_value,
            parameter_21_name=parameter_21_name,
            parameter_21_value=parameter_21_value,
            parameter_22_name=parameter_22_name,
            parameter_22_value=parameter_22_value,
            parameter_23_name=parameter_23_name,
            parameter_23_value=parameter_23_value,
            parameter_24_name=parameter_24_name,
            parameter_24_value=parameter_24_value,
            parameter_25_name=parameter_25_name,
            parameter_25_value=parameter_25_value,
            parameter_26_name=parameter_26_name,
            parameter_26_value=parameter_26_value,
            parameter_27_name=parameter_27_name,
            parameter_27_value=parameter_27_value,
            parameter_28_name=parameter_28_name,
            parameter_28_value=parameter_28_value,
            parameter_29_name=parameter_29_name,
            parameter_29_value=parameter_29_value,
            parameter_30_name=parameter_30_name,
            parameter_30_value=parameter_30_value,
            parameter_31_name=parameter_31_name,
            parameter_31_value=parameter_31_value,
            parameter_32_name=parameter_32_name,
            parameter_32_value=parameter_32_value,
            parameter_33_name=parameter_33_name,
            parameter_33_value=parameter_33_value,
            parameter_34_name=parameter_34_name,
            parameter_34_value=parameter_34_value,
            parameter_35_name=parameter_35_name,
            parameter_35_value=parameter_35_value,
            parameter_36_name=parameter_36_name,
            parameter_36_value=parameter_36_value,
            parameter_37_name=parameter_37_name,
            parameter_37_value=parameter_37_value,
            parameter_38_name=parameter_38_name,
            parameter_38_value=parameter_38_value,
            parameter_39_name=parameter_39_name,
            parameter_39_value=parameter_39_value,
            parameter_40_name=parameter_40_name,
            parameter_40_value=parameter_40_value,
            parameter_41_name=parameter_41_name,
            parameter_41_value=parameter_41_value,
            parameter_42_name=parameter_42_name,
            parameter_42_value=parameter_42_value,
            parameter_43_name=parameter_43_name,
            parameter_43_value=parameter_43_value,
            parameter_44_name=parameter_44_name,
            parameter_44_value=parameter_44_value,
            parameter_45_name=parameter_45_name,
            parameter_45_value=parameter_45_value,
            parameter_46_name=parameter_46_name,
            parameter_46_value=parameter_46_value,
            parameter_47_name=parameter_47_name,
            parameter_47_value=parameter_47_value,
            parameter_48_name=parameter_48_name,
            parameter_48_value=parameter_48_value,
            parameter_49_name=parameter_49_name,
            parameter_49_value=parameter_49_value,
            parameter_50_name=parameter_50_name,
            parameter_50_value=parameter_50_value,
            parameter_51_name=parameter_51_name,
            parameter_51_value=parameter_51_value,
            parameter_52_name=parameter_52_name,
            parameter_52_value=parameter_52_value,
            parameter_53_name=parameter_53_name,
            parameter_53_value=parameter_53_value,
            parameter_54_name=parameter_54_name,
            parameter_54_value=parameter_54_value,
            parameter_55_name=parameter_55_name,
            parameter_55_value=parameter_55_value,
            parameter_56_name=parameter_56_name,
            parameter_56_value=parameter_56_value,
            parameter_57_name=parameter_57_name,
            parameter_57_value=parameter_57_value,
            parameter_58_name=parameter_58_name,
            parameter_58_value=parameter_58_value,
            parameter_59_name=parameter_59_name,
            parameter_59_value=parameter_59_value,
            parameter_60_name=parameter_60_name,
            parameter_60_value=parameter_60_value,
            parameter_61_name=parameter_61_name,
            parameter_61_value=parameter_61_value,
            parameter_62_name=parameter_62_name,
            parameter_62_value=parameter_62_value,
            parameter_63_name=parameter_63_name,
            parameter_63_value=parameter_63_value,
            parameter_64_name=parameter_64_name,
            parameter_64_value=parameter_64_value,
            parameter_65_name=parameter_65_name,
            parameter_65_value=parameter_65_value,
            parameter_66_name=parameter_66_name,
            parameter_66_value=parameter_66_value,
            parameter_67_name=parameter_67_name,
            parameter_67_value=parameter_67_value,
            parameter_68_name=parameter_68_name,
            parameter_68_value=parameter_68_value,
            parameter_69_name=parameter_69_name,
            parameter_69_value=parameter_69_value,
            parameter_70_name=parameter_70_name,
            parameter_70_value=parameter_70_value,
            parameter_71_name=parameter_71_name,
            parameter_71_value=parameter_71_value,
            parameter_72_name=parameter_72_name,
            parameter_72_value=parameter_72_value,
            parameter_73_name=parameter_73_name,
            parameter_73_value=parameter_73_value,
            parameter_74_name=parameter_74_name,
            parameter_74_value=parameter_74_value,
            parameter_75_name=parameter_75_name,
            parameter_75_value=parameter_75_value,
            parameter_76_name=parameter_76_name,
            parameter_76_value=parameter_76_value,
            parameter_77_name=parameter_77_name,
            parameter_77_value=parameter_77_value,
            parameter_78_name=parameter_78_name,
            parameter_78_value=parameter_78_value,
            parameter_79_name=parameter_79_name,
            parameter_79_value=parameter_79_value,
            parameter_80_name=parameter_80_name,
            parameter_80_value=parameter_80_value,
            parameter_81_name=parameter_81_name,
            parameter_81_value=parameter_81_value,
            parameter_82_name=parameter_82_name,
            parameter_82_value=parameter_82_value,
            parameter_83_name=parameter_83_name,
            parameter_83_value=parameter_83_value,
            parameter_84_name=parameter_84_name,
            parameter_84_value=parameter_84_value,
            parameter_85_name=parameter_85_name,
            parameter_85_value=parameter_85_value,
            parameter_86_name=parameter_86_name,
            parameter_86_value=parameter_86_value,
            parameter_87_name=parameter_87_name,
            parameter_87_value=parameter_87_value,
            parameter_88_name=parameter_88_name,
            parameter_88_value=parameter_88_value,
            parameter_89_name=parameter_89_name,
            parameter_89_value=parameter_89_value,
            parameter_90_name=parameter_90_name,
            parameter_90_value=parameter_90_value,
            parameter_91_name=parameter_91_name,
            parameter_91_value=parameter_91_value,
            parameter_92_name=parameter_92_name,
            parameter_92_value=parameter_92_value,
            parameter_93_name=parameter_93_name,
            parameter_93_value=parameter_93_value,
            parameter_94_name=parameter_94_name,
            parameter_94_value=parameter_94_value,
            parameter_95_name=parameter_95_name,
            parameter_95_value=parameter_95_value,
            parameter_96_name=parameter_96_name,
            parameter_96_value=parameter_96_value,
            parameter_97_name=parameter_97_name,
            parameter_97_value=parameter_97_value,
            parameter_98_name=parameter_98_name,
            parameter_98_value=parameter_98_value,
            parameter_99_name=parameter_99_name,
            parameter_99_value=parameter_99_value,
        )

        create_stream_body.additional_properties = d
        return create_stream_body

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> str:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: str) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
